"""Dependency-free plots for the benchmark results: SVG line charts, histograms and bar charts,
plus the markdown tables and the header that records the command which made them.

    write_result("aopc_signed_gi", command, markdown, {"aopc-sst2.svg": line_chart(...)})

writes ``benchmarks/results/aopc_signed_gi.md`` (the command, then the markdown) and each SVG
next to it.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
WIDTH, HEIGHT, MARGIN = 690, 320, 48
LEGEND = 170  # the legend's column, right of a line chart's plot area
PLOT_RIGHT = WIDTH - LEGEND


def markdown_table(header: Sequence[str], rows: Sequence[Sequence]) -> str:
    """A markdown table; floats are written with 3 decimals, None as "–"."""

    def cell(v):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return "–"
        return f"{v:.3f}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _scale(lo, hi, a, b):
    span = (hi - lo) or 1.0
    return lambda v: a + (v - lo) / span * (b - a)


def _frame(title, x_label, y_label, x_range, y_range) -> list[str]:
    x0, x1 = x_range
    y0, y1 = y_range
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        'font-family="sans-serif" font-size="11">',
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="{PLOT_RIGHT / 2}" y="16" text-anchor="middle" font-size="13">'
        f"{html.escape(title)}</text>",
        f'<line x1="{MARGIN}" y1="{HEIGHT - MARGIN}" x2="{PLOT_RIGHT}" '
        f'y2="{HEIGHT - MARGIN}" stroke="black"/>',
        f'<line x1="{MARGIN}" y1="{MARGIN}" x2="{MARGIN}" y2="{HEIGHT - MARGIN}" stroke="black"/>',
        f'<text x="{PLOT_RIGHT / 2}" y="{HEIGHT - 12}" text-anchor="middle">'
        f"{html.escape(x_label)}</text>",
        f'<text x="14" y="{HEIGHT / 2}" text-anchor="middle" transform="rotate(-90 14 {HEIGHT / 2})">'
        f"{html.escape(y_label)}</text>",
    ]
    for value, x in ((x0, MARGIN), (x1, PLOT_RIGHT)):
        parts.append(
            f'<text x="{x}" y="{HEIGHT - MARGIN + 14}" text-anchor="middle">{value:.3g}</text>'
        )
    for value, y in ((y0, HEIGHT - MARGIN), (y1, MARGIN)):
        parts.append(f'<text x="{MARGIN - 4}" y="{y + 4}" text-anchor="end">{value:.3g}</text>')
    return parts


def line_chart(
    series: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    title: str,
    x_label: str,
    y_label: str,
) -> str:
    """An SVG line chart of ``{name: (xs, ys)}`` with a legend."""
    xs = [x for x_values, _ in series.values() for x in x_values]
    ys = [y for _, y_values in series.values() for y in y_values if not math.isnan(y)]
    x_range, y_range = (min(xs), max(xs)), (min(ys), max(ys))
    sx = _scale(*x_range, MARGIN, PLOT_RIGHT)
    sy = _scale(*y_range, HEIGHT - MARGIN, MARGIN)
    parts = _frame(title, x_label, y_label, x_range, y_range)
    for i, (name, (x_values, y_values)) in enumerate(series.items()):
        color = COLORS[i % len(COLORS)]
        points = " ".join(
            f"{sx(x):.1f},{sy(y):.1f}" for x, y in zip(x_values, y_values) if not math.isnan(y)
        )
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="1.5"/>'
        )
        parts.append(
            f'<text x="{PLOT_RIGHT + 8}" y="{MARGIN + 14 * i}" fill="{color}" '
            f'font-size="10">{html.escape(name)}</text>'
        )
    return "\n".join([*parts, "</svg>"])


def histogram(
    values: Mapping[str, Sequence[float]],
    title: str,
    x_label: str,
    bins: int = 20,
    x_range: tuple[float, float] | None = None,
) -> str:
    """An SVG chart of overlaid step histograms (counts) of ``{name: values}``."""
    finite = {k: [v for v in vs if not math.isnan(v)] for k, vs in values.items()}
    everything = [v for vs in finite.values() for v in vs]
    lo, hi = x_range or (min(everything), max(everything))
    width = (hi - lo) / bins or 1.0
    counts = {}
    for name, vs in finite.items():
        c = [0] * bins
        for v in vs:
            c[min(bins - 1, max(0, int((v - lo) / width)))] += 1
        counts[name] = c
    edges = [lo + i * width for i in range(bins + 1)]
    series = {
        name: (
            [e for i in range(bins) for e in (edges[i], edges[i + 1])],
            [float(n) for n in c for _ in range(2)],
        )
        for name, c in counts.items()
    }
    return line_chart(series, title, x_label, "count")


def bar_chart(
    values: Mapping[str, Mapping[str, float]], title: str, x_label: str, bar: int = 6
) -> str:
    """An SVG chart of horizontal grouped bars: one row per category (in the first series'
    order), one bar per series ``{series: {category: value}}``, drawn from zero."""
    categories = list(next(iter(values.values())))
    numbers = [v for vs in values.values() for v in vs.values() if not math.isnan(v)]
    lo, hi = min(0.0, *numbers), max(0.0, *numbers)
    row = bar * len(values) + 4
    top, left = 28 + 14 * len(values), 64
    height = top + row * len(categories) + MARGIN
    sx = _scale(lo, hi, left, WIDTH - 32)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        'font-family="sans-serif" font-size="10">',
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="{WIDTH / 2}" y="16" text-anchor="middle" font-size="13">'
        f"{html.escape(title)}</text>",
        f'<line x1="{sx(0):.1f}" y1="{top}" x2="{sx(0):.1f}" y2="{height - MARGIN}" stroke="black"/>',
        f'<text x="{WIDTH / 2}" y="{height - 12}" text-anchor="middle">{html.escape(x_label)}</text>',
    ]
    for value in (lo, hi):
        parts.append(
            f'<text x="{sx(value):.1f}" y="{height - MARGIN + 14}" text-anchor="middle">'
            f"{value:.3g}</text>"
        )
    for j, name in enumerate(values):
        parts.append(
            f'<text x="{left}" y="{30 + 14 * j}" fill="{COLORS[j % len(COLORS)]}">'
            f"■ {html.escape(name)}</text>"
        )
    for i, category in enumerate(categories):
        y = top + row * i
        parts.append(
            f'<text x="{left - 4}" y="{y + row / 2 + 3:.1f}" text-anchor="end">'
            f"{html.escape(category)}</text>"
        )
        for j, series in enumerate(values.values()):
            value = series.get(category, math.nan)
            if math.isnan(value):
                continue
            x0, x1 = sorted((sx(0), sx(value)))
            parts.append(
                f'<rect x="{x0:.1f}" y="{y + 2 + bar * j}" width="{x1 - x0:.1f}" height="{bar}" '
                f'fill="{COLORS[j % len(COLORS)]}"/>'
            )
    return "\n".join([*parts, "</svg>"])


def write_result(name: str, command: str, markdown: str, plots: Mapping[str, str] = ()) -> Path:
    """``results/<name>.md`` (the command that made it, then ``markdown``) and the SVG plots."""
    RESULTS.mkdir(exist_ok=True)
    links = "\n".join(f"![{p}]({p})" for p in dict(plots))
    path = RESULTS / f"{name}.md"
    path.write_text(f"Made by:\n\n    {command}\n\n{markdown}\n\n{links}\n".rstrip() + "\n")
    for file_name, svg in dict(plots).items():
        (RESULTS / file_name).write_text(svg)
    return path
