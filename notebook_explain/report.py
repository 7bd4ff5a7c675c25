"""Static HTML for explanations: the inline ``_repr_html_`` fallback and the standalone report.

Every piece of user or dataset text goes through ``html.escape``; nothing is inserted as markup.
Colours: a diverging blue–white–orange scale for signed methods (colour-blind safe), a sequential
white–purple scale for unsigned ones, each normalised by the method's largest absolute score.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Sequence

import numpy as np

if TYPE_CHECKING:
    from .explanation import Explanation

_POSITIVE = (230, 97, 1)  # orange: supports the target
_NEGATIVE = (33, 102, 172)  # blue: speaks against it
_UNSIGNED = (118, 42, 131)  # purple

STYLE = """
.ne-report{font-family:system-ui,sans-serif;line-height:1.9}
.ne-row{margin:2px 0}.ne-method{display:inline-block;min-width:11em;color:#555;font-size:.85em}
.ne-tok{padding:1px 3px;margin:0 1px;border-radius:3px}
.ne-meta{color:#555;font-size:.85em}
"""


def _colour(value: float, scale: float, signed: bool) -> str:
    strength = 0.0 if scale == 0 else min(abs(value) / scale, 1.0)
    rgb = _UNSIGNED if not signed else (_POSITIVE if value >= 0 else _NEGATIVE)
    return f"rgba({rgb[0]},{rgb[1]},{rgb[2]},{0.85 * strength:.3f})"


def render_explanation(explanation: "Explanation", level: str = "word") -> str:
    """One heatmap row per method; hover titles give the score."""
    e = explanation
    units = e.words if level == "word" else e.tokens
    rows = []
    for name, result in e.results.items():
        scores = e.scores(name, level=level)
        scale = float(np.max(np.abs(scores))) if len(scores) else 0.0
        spans = "".join(
            f'<span class="ne-tok" style="background:{_colour(s, scale, result.signed)}" '
            f'title="{html.escape(f"{u}: {s:+.4f}")}">{html.escape(u)}</span>'
            for u, s in zip(units, scores)
        )
        rows.append(
            f'<div class="ne-row"><span class="ne-method">{html.escape(name)}</span>{spans}</div>'
        )
    probs = ", ".join(f"{html.escape(c)} {p:.3f}" for c, p in e.prediction.as_dict().items())
    meta = (
        f'<div class="ne-meta">prediction: <b>{html.escape(e.prediction.label)}</b> ({probs}); '
        f"explaining {html.escape(e.output)} of <b>{html.escape(e.target_name)}</b>"
        + (f"; {e.truncated_tokens} tokens truncated" if e.truncated_tokens else "")
        + "</div>"
    )
    return f'<div class="ne-report"><style>{STYLE}</style>{meta}{"".join(rows)}</div>'


def render_report(
    explanations: Sequence["Explanation"], title: str = "notebook_explain report"
) -> str:
    """A standalone HTML page with every explanation, for sharing outside a notebook."""
    body = "\n<hr>\n".join(
        f"<h3>{html.escape(e.text)}</h3>{render_explanation(e)}" for e in explanations
    )
    return (
        f'<!doctype html>\n<html><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
        f"<body><h1>{html.escape(title)}</h1>\n{body}\n</body></html>\n"
    )
