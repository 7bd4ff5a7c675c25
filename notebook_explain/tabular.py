"""Records as pandas DataFrames (``to_pandas``), with pandas an optional dependency."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .errors import ExplainError


def require_pandas():
    """The pandas module, or an ExplainError saying how to install it."""
    try:
        import pandas
    except ImportError:
        raise ExplainError(
            "to_pandas needs pandas, which notebook_explain does not install: "
            "pip install 'notebook_explain[pandas]' (or pip install pandas)."
        ) from None
    return pandas


def dataframe(columns: Mapping[str, Sequence], index: Sequence | None = None, name: str = ""):
    """A ``pandas.DataFrame`` of ``columns`` (name → values), or an ExplainError saying how to
    install pandas."""
    pd = require_pandas()
    frame = pd.DataFrame(dict(columns), index=index)
    if name:
        frame.index.name = name
    return frame
