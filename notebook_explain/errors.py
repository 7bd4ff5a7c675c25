"""The exceptions users see. Each names the problem and how to fix it."""


class ExplainError(ValueError):
    """Bad input to notebook_explain: the message says what was wrong and what to do."""


class DataNotFoundError(FileNotFoundError):
    """A dataset could not be found locally nor downloaded."""


class Cancelled(Exception):
    """A running request was cancelled (the widget's Cancel button); nothing it computed is kept."""
