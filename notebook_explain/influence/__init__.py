"""Training-data influence (survey §3 and §5): which training examples drive a prediction.

``build_index`` fits a ``TrainingIndex`` once; ``methods.run`` and ``hybrid.token_influence``
answer queries from it. Users reach them through ``Explainer.index``, ``Explainer.influence``
and ``Explainer.token_influence``.
"""

from .index import TrainingIndex, build_index
from .result import InfluenceItem, InfluenceResult
from .scorers import METHODS

__all__ = ["METHODS", "InfluenceItem", "InfluenceResult", "TrainingIndex", "build_index"]
