"""Build the documentation site into site/ with MkDocs (Material theme, mkdocstrings), offline.

    python docs/build.py            # what `make docs` runs
    python docs/build.py --pages    # only write the Markdown pages (docs/build/pages)

Why MkDocs: the README is already Markdown and stays the one source of the prose (each of its
``##`` sections becomes a page, so the two cannot drift apart); mkdocstrings renders the API
reference from the docstrings; Material's search works offline. Sphinx with myst-nb would render
the notebooks too, but loads the widgets through Jupyter's HTML manager from a CDN.

The pages, generated here into ``docs/build/pages`` (not in git):

* the README's sections, its in-page links rewritten to the page that holds each heading;
* one page per method family and one for the metrics, from the registries' metadata (name,
  description, parameters, paper) and each module's docstring (its paper and equations);
* the API reference, generated from the docstrings;
* the widget tour, with the screenshots the browser tests take (``report/screenshots``) when they
  have run, else the one in ``docs/``;
* the tutorials, executed (``execute_tutorial``; a copy executed by the tutorial tests is reused
  while its source is unchanged), each widget output turned into the static export's markup: its
  saved state read by the widget bundle, which the site serves itself, so the pages render their
  widgets with no kernel and no CDN.

``mkdocs build --strict`` turns every warning into an error.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parent
BUILD = HERE / "build"
PAGES = BUILD / "pages"
EXECUTED = BUILD / "executed"
SCREENSHOTS = ROOT / "report" / "screenshots"
TUTORIALS = sorted((ROOT / "examples").glob("[0-9][0-9]_*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
#: README sections that are not pages of their own (the index holds the start of the README)
INDEX_SECTIONS = ("Quick start",)


def slug(heading: str) -> str:
    """The anchor MkDocs and GitHub give a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


# ------------------------------------------------------------------------------- README pages
def readme_pages(readme: str) -> dict[str, str]:
    """The README split at its ``##`` headings: page file → Markdown, the index first."""
    parts = re.split(r"^## (.+)$", readme, flags=re.M)
    intro, sections = parts[0], list(zip(parts[1::2], parts[2::2]))
    pages = {"index.md": intro}
    for title, body in sections:
        if title in INDEX_SECTIONS:
            pages["index.md"] += f"## {title}\n{body}"
        else:
            pages[f"{slug(title)}.md"] = f"# {title}\n{body}"
    anchors = {}
    for page, text in pages.items():
        for heading in re.findall(r"^#+ (.+)$", text, re.M):
            anchors.setdefault(slug(heading), page)

    def relink(text: str) -> str:
        def target(match):
            anchor = match.group(1)
            page = anchors.get(anchor)
            if page is None:
                raise SystemExit(f"README link #{anchor} names no heading")
            return f"]({page}#{anchor})"

        return re.sub(r"\]\(#([\w\-]+)\)", target, text)

    return {page: relink(text) for page, text in pages.items()}


# ------------------------------------------------------------------- methods and metrics pages
def registry_pages() -> dict[str, str]:
    """One page per method family and one for the metrics, from the registries."""
    import notebook_explain  # noqa: F401  (registers every method and metric)
    from notebook_explain.methods import available_methods, get_method
    from notebook_explain.metrics import available_metrics, get_metric

    families: dict[str, list] = {}
    for name in available_methods():
        method = get_method(name)
        families.setdefault(method.family, []).append(method)
    pages = {}
    for family, methods in families.items():
        modules = sorted({type(m).__module__ for m in methods})
        text = [f"# {family.capitalize()} methods\n"]
        for method in methods:
            text.append(_entry(method.name, method.description, method.params))
        text.append("## The modules, their papers and equations\n")
        text += [f"::: {module}\n    options:\n      members: false\n" for module in modules]
        pages[f"methods/{family}.md"] = "\n".join(text)
    metrics = [get_metric(name) for name in available_metrics()]
    text = ["# Metrics\n", "Every metric `ex.evaluate(explanation, metrics)` computes:\n"]
    text += [_entry(m.name, m.description, m.params, getattr(m, "paper", "")) for m in metrics]
    pages["methods/metrics.md"] = "\n".join(text)
    return pages


def _entry(name: str, description: str, params: dict, paper: str = "") -> str:
    rows = "".join(
        f"| `{key}` | `{param.default!r}` | {param.help} |\n" for key, param in params.items()
    )
    table = f"\n| parameter | default | meaning |\n|---|---|---|\n{rows}" if rows else ""
    source = f"\n\n*Source:* {paper}" if paper else ""
    return f"## `{name}`\n\n{description}{source}\n{table}\n"


API = [
    ("Explainer", ["notebook_explain.Explainer"]),
    (
        "Records",
        [
            "notebook_explain.Explanation",
            "notebook_explain.Explanations",
            "notebook_explain.MethodResult",
            "notebook_explain.Prediction",
        ],
    ),
    ("Metrics", ["notebook_explain.metrics.evaluation.Evaluation"]),
    (
        "Dataset mode",
        [
            "notebook_explain.dataset.DatasetResult",
            "notebook_explain.influence.suspects.LabelSuspects",
        ],
    ),
    (
        "Influence",
        [
            "notebook_explain.influence.index.TrainingIndex",
            "notebook_explain.influence.result.InfluenceResult",
            "notebook_explain.influence.result.InfluenceItem",
        ],
    ),
    ("Widget", ["notebook_explain.ExplainWidget"]),
    ("Errors", ["notebook_explain.errors"]),
]


def api_page() -> str:
    text = ["# API reference\n", "Generated from the docstrings.\n"]
    for title, names in API:
        text.append(f"## {title}\n")
        text += [f"::: {name}\n" for name in names]
    return "\n".join(text)


# ----------------------------------------------------------------------------- the widget tour
def widget_tour() -> tuple[str, dict[str, Path]]:
    """The tour page and the images it shows (name → file)."""
    shots = {
        name: SCREENSHOTS / name
        for name in (
            "widget.png",
            "widget-dark.png",
            "heatmap-light.png",
            "heatmap-dark.png",
            "reduction.png",
            "influence.png",
        )
        if (SCREENSHOTS / name).exists()
    } or {"widget.png": HERE / "widget.png"}
    captions = {
        "widget.png": "The heatmap of the quickstart in JupyterLab.",
        "widget-dark.png": "A widget in JupyterLab's dark theme.",
        "heatmap-light.png": "A heatmap in the light theme: chips grow more opaque with |score|.",
        "heatmap-dark.png": "The same in the dark theme: weak words fade into the page.",
        "reduction.png": "The input reduction stepper.",
        "influence.png": "The training examples behind the prediction.",
    }
    text = ["# Widget tour\n", "Screenshots taken by the browser tests.\n"]
    text += [f"![{captions[n]}](img/{n})\n\n*{captions[n]}*\n" for n in shots]
    return "\n".join(text), shots


# ---------------------------------------------------------------------------------- tutorials
def source_hash(path: Path) -> str:
    """The notebook's and the package's sources together: a kept executed copy is reused only
    while neither has changed, so it always shows what the current code computes."""
    digest = hashlib.sha256(path.read_bytes())
    package = ROOT / "notebook_explain"
    for file in sorted(package.rglob("*")):
        if file.suffix in {".py", ".json", ".js", ".css"} and file.is_file():
            digest.update(file.relative_to(package).as_posix().encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def execute_tutorial(path: Path, cwd: Path, timeout: int = 600):
    """Run a tutorial top to bottom in a fresh kernel (raises on the first failing cell) and
    keep the executed copy, with its widget state, for the site. Returns the notebook."""
    import nbclient
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(cwd)}},
        store_widget_state=True,
    )
    start = time.perf_counter()
    client.execute()
    EXECUTED.mkdir(parents=True, exist_ok=True)
    notebook.metadata["notebook_explain_source"] = source_hash(path)
    notebook.metadata["notebook_explain_seconds"] = round(time.perf_counter() - start, 1)
    partial = EXECUTED / f".{path.name}.partial"  # written whole, then renamed into place
    nbformat.write(notebook, partial)
    os.replace(partial, EXECUTED / path.name)
    return notebook


def executed(path: Path, cwd: Path):
    """The executed tutorial: the kept copy while its source is unchanged, else a new run."""
    import nbformat

    kept = EXECUTED / path.name
    if kept.exists():
        notebook = nbformat.read(kept, as_version=4)
        if notebook.metadata.get("notebook_explain_source") == source_hash(path):
            return notebook
    return execute_tutorial(path, cwd)


def widget_states(notebook) -> dict[str, dict]:
    """model id → the widget's traits, for every notebook_explain widget in the saved state,
    binary buffers put back as the static export's base64 arrays."""
    saved = notebook.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    states = {}
    for model_id, model in saved.items():
        state = model.get("state", {})
        if "explanation" not in state or "methods" not in state:
            continue
        for buffer in model.get("buffers", []):
            *parents, last = buffer["path"]
            node = state
            for key in parents:
                node = node[key]
            node.pop(last, None)
            node["b64"] = buffer["data"]
        states[model_id] = {**state, "editable": False, "busy": False}
    return states


def tutorial_page(notebook, images: Path, stem: str) -> str:
    """The tutorial as Markdown: its cells, outputs and widgets (static markup)."""
    from notebook_explain.export import _json_for_script

    states = widget_states(notebook)
    out = []
    for i, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            out.append(cell.source + "\n")
            continue
        solution = "solution" in cell.metadata.get("tags", [])
        block = [f"```python\n{cell.source}\n```\n"]
        for j, output in enumerate(cell.get("outputs", [])):
            block.append(_output(output, states, images, f"{stem}-{i}-{j}", _json_for_script))
        text = "\n".join(b for b in block if b)
        if solution:
            text = '??? example "Solution"\n\n' + "\n".join(
                "    " + line if line else "" for line in text.splitlines()
            )
        out.append(text + "\n")
    return "\n".join(out)


def _output(output, states, images: Path, name: str, to_json) -> str:
    kind = output.get("output_type")
    if kind == "stream":
        text = re.sub(r"^.*\r(?!\n)", "", output.get("text", ""), flags=re.M)  # progress bars
        return f"```text\n{text.rstrip()}\n```\n" if text.strip() else ""
    if kind == "error":
        raise SystemExit(f"an executed tutorial holds an error: {output.get('ename')}")
    data = output.get("data", {})
    view = data.get(WIDGET_VIEW)
    if view and view.get("model_id") in states:
        state = to_json(states[view["model_id"]])
        return f'<div data-ne-standalone></div>\n<script type="application/json">{state}</script>\n'
    if "image/png" in data:
        images.mkdir(parents=True, exist_ok=True)
        (images / f"{name}.png").write_bytes(base64.b64decode(data["image/png"]))
        return f"![output](img/{name}.png)\n"
    if "text/html" in data and "<table" in data["text/html"]:  # pandas tables
        return f'<div class="ne-docs-table">\n{data["text/html"]}\n</div>\n'
    if "text/plain" in data:
        return f"```text\n{data['text/plain'].rstrip()}\n```\n"
    return ""


LOADER = """
<link rel="stylesheet" href="../assets/widget.css">
<script type="module">
import { mountStatic } from "../assets/widget.js";
mountStatic(document);
</script>
"""


# ----------------------------------------------------------------------------------- the build
def write_pages() -> list:
    """Write every page and asset into docs/build/pages; returns the nav."""
    from notebook_explain.export import STATIC

    if PAGES.exists():
        shutil.rmtree(PAGES)
    (PAGES / "img").mkdir(parents=True)
    (PAGES / "assets").mkdir()
    for asset in ("widget.js", "widget.css"):
        shutil.copy(STATIC / asset, PAGES / "assets" / asset)
    pages = readme_pages((ROOT / "README.md").read_text(encoding="utf-8"))
    pages.update(registry_pages())
    pages["api.md"] = api_page()
    tour, shots = widget_tour()
    pages["widget-tour.md"] = tour
    for name, path in shots.items():
        shutil.copy(path, PAGES / "img" / name)
    tutorials = []
    scratch = BUILD / "scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    for path in TUTORIALS:
        notebook = executed(path, scratch)
        page = f"tutorials/{path.stem}.md"
        pages[page] = tutorial_page(notebook, PAGES / "tutorials" / "img", path.stem) + LOADER
        tutorials.append({notebook.cells[0].source.splitlines()[0].lstrip("# "): page})
    for page, text in pages.items():
        (PAGES / page).parent.mkdir(parents=True, exist_ok=True)
        (PAGES / page).write_text(text, encoding="utf-8")
    readme = [p for p in pages if "/" not in p and p not in ("api.md", "widget-tour.md")]
    return [
        {"Home": "index.md"},
        {"Widget tour": "widget-tour.md"},
        *[{_title(pages[p]): p} for p in readme if p != "index.md"],
        {"Methods": [{_title(pages[p]): p} for p in sorted(pages) if p.startswith("methods/")]},
        {"Tutorials": tutorials},
        {"API reference": "api.md"},
    ]


def _title(text: str) -> str:
    return text.splitlines()[0].lstrip("# ").strip("`")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", action="store_true", help="only write the pages")
    args = parser.parse_args()
    nav = write_pages()
    config = (HERE / "mkdocs.yml").read_text(encoding="utf-8")
    (BUILD / "mkdocs.yml").write_text(config + "nav: " + json.dumps(nav) + "\n", encoding="utf-8")
    if args.pages:
        return
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(BUILD / "mkdocs.yml")],
        check=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},  # Material's notice of its successor
    )


if __name__ == "__main__":
    main()
