"""The exceptions users see. Each names the problem and how to fix it."""

#: the most characters of user text an error message quotes
EXCERPT = 60


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """``text`` quoted for an error message: its repr, cut to ``limit`` characters with an
    ellipsis and the full length when longer."""
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text):,} characters)"


class ExplainError(ValueError):
    """Bad input to notebook_explain: the message says what was wrong and what to do."""


class DataNotFoundError(FileNotFoundError):
    """A dataset could not be found locally nor downloaded."""


class Cancelled(Exception):
    """A running request was cancelled (the widget's Cancel button); nothing it computed is kept."""


def check_callbacks(**callbacks) -> None:
    """An ``ExplainError`` for each given callback (``None`` aside) that is not callable."""
    for name, value in callbacks.items():
        if value is not None and not callable(value):
            raise ExplainError(
                f"{name} must be a function (or None), got {type(value).__name__}: {value!r}."
            )
