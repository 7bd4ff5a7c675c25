"""The dataset view at 10,000 rows, in headless chromium:

    python benchmarks/dataset_view.py [--rows 10000]

Explains every SST-2 sentence (train, dev and test) and, to reach ``--rows``, IMDB reviews, with
the GRU demo's ``saliency_l2`` (the table's columns do not depend on the method); exports ``ex.browse(run)`` and opens it 5 times, each
time sorting by confidence (largest first, then smallest first) from the header's click to the
end of the layout it causes (goal: ≤ 200 ms). Needs chromium and playwright-core
(``make setup``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from notebook_explain import Explainer
from notebook_explain.data import load_imdb, load_sst2

SCRIPT = Path(__file__).parents[1] / "tests" / "browser" / "dataset.mjs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    ex = Explainer.demo("gru-sst2", progress=False)
    texts, labels = [], []
    for split in ("train", "dev", "test"):
        data = load_sst2(split)
        texts += data.texts
        labels += list(data.labels)
    imdb = load_imdb()
    texts += imdb.texts[: max(0, args.rows - len(texts))]
    labels += list(imdb.labels[: max(0, args.rows - len(labels))])
    texts, labels = texts[: args.rows], labels[: args.rows]
    start = time.perf_counter()
    run = ex.explain_dataset(texts, labels, methods=["saliency_l2"], progress=False)
    print(
        f"# dataset_view: {len(run)} rows (SST-2 and IMDB), explained by the GRU demo's "
        f"saliency_l2 in {time.perf_counter() - start:.0f} s"
    )
    descending, ascending = [], []
    with tempfile.TemporaryDirectory() as folder:
        page = ex.browse(run).to_html(Path(folder) / "browse.html")
        print(f"export: {page.stat().st_size / 2**20:.1f} MiB")
        for _ in range(5):
            proc = subprocess.run(
                ["node", str(SCRIPT)],
                env={**os.environ, "PAGE": str(page), "SORT": "confidence", "QUERY": "film"},
                capture_output=True,
                text=True,
                check=True,
            )
            result = json.loads(proc.stdout.strip().splitlines()[-1])
            assert not result["pageErrors"], result["pageErrors"]
            descending.append(result["descendingMs"])
            ascending.append(result["ascendingMs"])
    print(
        f"sort {len(run)} rows by confidence, click to layout: largest first median "
        f"{statistics.median(descending):.0f} ms, smallest first {statistics.median(ascending):.0f} "
        f"ms (5 page loads; goal ≤ 200 ms)"
    )


if __name__ == "__main__":
    main()
