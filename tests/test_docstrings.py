"""Every public name has a docstring: the package's exports, the records they return, and each
of their public methods and properties (the API reference, docs/build.py, is made from them)."""

import inspect

import notebook_explain
from notebook_explain.dataset import DatasetResult
from notebook_explain.influence.index import TrainingIndex
from notebook_explain.influence.result import InfluenceItem, InfluenceResult
from notebook_explain.influence.suspects import LabelSuspects
from notebook_explain.metrics.evaluation import Evaluation

RECORDS = [Evaluation, TrainingIndex, InfluenceResult, InfluenceItem, DatasetResult, LabelSuspects]


def public_names():
    for obj in [getattr(notebook_explain, name) for name in notebook_explain.__all__] + RECORDS:
        yield obj.__name__, obj
        if not inspect.isclass(obj):
            continue
        for name, member in vars(obj).items():
            if name.startswith("_"):
                continue
            if isinstance(member, property):
                yield f"{obj.__name__}.{name}", member.fget
            elif isinstance(member, (staticmethod, classmethod)):
                yield f"{obj.__name__}.{name}", member.__func__
            elif inspect.isfunction(member):
                yield f"{obj.__name__}.{name}", member


def test_every_public_name_has_a_docstring():
    names = dict(public_names())
    assert "Explainer.explain_many" in names and "Explanation.to_pandas" in names
    missing = [name for name, obj in names.items() if not (obj.__doc__ or "").strip()]
    assert missing == []
