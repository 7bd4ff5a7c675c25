"""Static HTML for explanations: the inline ``_repr_html_`` fallback and the standalone report.

Every piece of user or dataset text goes through ``html.escape``; nothing is inserted as markup.
Colours: the widget's scales (``color_scale.json``, read by ``js/src/colors.js`` too): a diverging
blue–grey–orange scale for signed methods (colour-blind safe), a sequential white–purple scale for
unsigned ones, each normalised by the method's largest absolute score, with black or white text,
whichever contrasts more.
"""

from __future__ import annotations

import html
import json
import math
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

if TYPE_CHECKING:
    from .explanation import Explanation

STYLE = """
.ne-report{font-family:system-ui,sans-serif;line-height:1.9}
.ne-row{margin:2px 0}.ne-method{display:inline-block;min-width:11em;color:#555;font-size:.85em}
.ne-tok{padding:1px 3px;margin:0 1px;border-radius:3px}
.ne-meta{color:#555;font-size:.85em}
"""


@cache
def _stops() -> dict[str, list[tuple[int, ...]]]:
    scale = json.loads((Path(__file__).parent / "color_scale.json").read_text(encoding="utf-8"))
    return {
        kind: [tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in scale[kind]]
        for kind in ("negative", "positive", "sequential")
    }


def scale_color(value: float, signed: bool) -> tuple[int, int, int]:
    """(r, g, b) of a normalised score (in [−1, 1] signed, |value| in [0, 1] unsigned), as
    ``scaleColor`` in ``js/src/colors.js`` computes it."""
    stops = _stops()
    if not signed:
        ramp, t = stops["sequential"], abs(value)
    else:
        ramp, t = (stops["negative"], -value) if value < 0 else (stops["positive"], value)
    x = min(max(t, 0.0), 1.0) * (len(ramp) - 1)
    i = min(math.floor(x), len(ramp) - 2)
    f = x - i
    # JavaScript's Math.round: halves go up
    return tuple(math.floor(a + (b - a) * f + 0.5) for a, b in zip(ramp[i], ramp[i + 1]))


def text_color(rgb) -> str:
    """Black or white, whichever contrasts more (``textColor`` in ``js/src/colors.js``)."""
    linear = [
        s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4 for s in (c / 255 for c in rgb)
    ]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#000" if (luminance + 0.05) ** 2 > 0.0525 else "#fff"


def _style(value: float, scale: float, signed: bool) -> str:
    rgb = scale_color(0.0 if scale == 0 else value / scale, signed)
    return f"background:rgb({rgb[0]},{rgb[1]},{rgb[2]});color:{text_color(rgb)}"


def render_explanation(explanation: "Explanation", level: str = "word") -> str:
    """One heatmap row per method; hover titles give the score."""
    e = explanation
    units = e.words if level == "word" else e.tokens
    rows = []
    for name, result in e.results.items():
        scores = e.scores(name, level=level)
        scale = float(np.max(np.abs(scores))) if len(scores) else 0.0
        spans = "".join(
            f'<span class="ne-tok" style="{_style(s, scale, result.signed)}" '
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
