"""Standalone HTML: the widget's bundle and state inlined into one page that needs no kernel and no network.

The state goes in a ``<script type="application/json">`` element with ``<``, ``>`` and ``&``
escaped as JSON unicode escapes, so no text from the data can close the element or become markup.
The bundle is the same ESM file the notebook widget loads (``static/widget.js``), inlined as
inert text; a small module script imports it (from a ``blob:`` URL, so nothing is fetched) and
calls its ``mountStatic``, which reads the state with ``JSON.parse`` and renders it as text.
"""

from __future__ import annotations

import html
import json
import os
from functools import lru_cache
from pathlib import Path

from .cache import write_atomic
from .errors import ExplainError

STATIC = Path(__file__).parent / "static"
BUNDLE_ID = "notebook-explain-bundle"
#: imports the inlined bundle and mounts every exported widget on the page
LOADER = f"""const code = document.getElementById("{BUNDLE_ID}").textContent;
const url = URL.createObjectURL(new Blob([code], {{ type: "text/javascript" }}));
const {{ mountStatic }} = await import(url);
URL.revokeObjectURL(url);
mountStatic(document);
"""


@lru_cache(maxsize=None)
def _asset(name: str) -> str:
    path = STATIC / name
    if not path.exists():
        raise FileNotFoundError(
            f"The widget bundle {path} is missing. Build it with `npm ci && npm run build` in js/ "
            "(`make setup` does this; a wheel ships it)."
        )
    return path.read_text(encoding="utf-8")


def write_page(path, page: str) -> None:
    """Write ``page`` to ``path`` atomically (an existing file survives any failure), with an
    ``ExplainError`` that names the problem for a bad path or an unwritable folder."""
    if not isinstance(path, (str, os.PathLike)) or not str(path) or "\0" in str(path):
        raise ExplainError(f"to_html needs a file path (a str or Path), got {path!r}.")
    path = Path(path)
    if path.is_dir():
        raise ExplainError(f"Cannot write {path}: it is a folder; give a file name in it.")
    if not path.parent.is_dir():
        raise ExplainError(
            f"Cannot write {path}: the folder {path.parent} does not exist; create it first."
        )
    try:
        data = page.encode("utf-8")
    except UnicodeEncodeError as err:
        raise ExplainError(
            f"Cannot export: the page holds text that is not valid Unicode ({err.reason} at "
            f"{page[err.start]!r}); repair the text and explain it again."
        ) from None
    try:
        write_atomic(path, data)
    except OSError as err:
        raise ExplainError(
            f"Cannot write {path}: {err.strerror or err}; choose a folder you can write to."
        ) from err


def _json_for_script(state: dict) -> str:
    try:
        text = json.dumps(state, ensure_ascii=False, allow_nan=False)
    except ValueError as exc:
        raise ExplainError(
            f"Cannot export: the explanation holds a NaN or infinite number outside its score arrays ({exc})."
        ) from exc
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _script_safe(code: str) -> str:
    # a literal "</script" inside the bundle would end the element early
    return code.replace("</script", "<\\/script")


def standalone_html(state: dict, title: str) -> str:
    """One HTML page rendering ``state`` (the widget's traits, arrays as base64) with the inlined bundle."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n"
        f"<style>\n{_asset('widget.css')}\n</style>\n"
        "</head>\n<body>\n"
        "<div data-ne-standalone></div>\n"
        f'<script type="application/json">{_json_for_script(state)}</script>\n'
        f'<script type="text/plain" id="{BUNDLE_ID}">\n{_script_safe(_asset("widget.js"))}\n'
        "</script>\n"
        f'<script type="module">\n{LOADER}</script>\n'
        "</body>\n</html>\n"
    )
