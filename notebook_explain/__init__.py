"""notebook_explain: explain NLP text-classifier predictions inside Jupyter notebooks."""

from .errors import DataNotFoundError, ExplainError
from .explainer import Explainer
from .explanation import Explanation, Explanations, MethodResult, Prediction
from .methods import available_methods
from .widget import ExplainWidget

__version__ = "0.1.0"

__all__ = [
    "DataNotFoundError",
    "ExplainError",
    "ExplainWidget",
    "Explainer",
    "Explanation",
    "Explanations",
    "MethodResult",
    "Prediction",
    "available_methods",
]
