// Token / word spans shared by the heatmap, the comparison rows and the influence texts.

import { paint } from "./colors.js";
import { h } from "./dom.js";
import { formatScore } from "./scores.js";

/** One span per unit, in text order; special tokens are marked. */
export function unitSpans(units, testid) {
  return units.labels.map((label, i) => {
    const span = h("span", {
      class: units.skip[i] ? "ne-tok ne-special" : "ne-tok",
      "data-testid": testid,
      "data-index": i,
      text: label,
    });
    // a sentence pair's second text starts here: a visible boundary before it
    if (i === units.pairStart) span.classList.add("ne-pair-start");
    return span;
  });
}

/** "token · score 0.1234 · rank 2 of 12 by |score|" */
export function describeUnit(label, score, rank, n) {
  return [label, `score ${formatScore(score)}`, rank ? `rank ${rank} of ${n} by |score|` : "special token"];
}

/** Each span's data-score and hover title. */
export function labelUnits(spans, units, data) {
  const n = data.order.length;
  for (let i = 0; i < spans.length; i++) {
    spans[i].setAttribute("data-score", String(data.scores[i]));
    spans[i].setAttribute("title", describeUnit(units.labels[i], data.scores[i], data.ranks[i], n).join("\n"));
  }
}

/** Each span's colour; `coloured(i)` says which nonzero units get one. */
export function colourUnits(spans, data, signed, coloured) {
  for (let i = 0; i < spans.length; i++) {
    const score = data.scores[i];
    paint(spans[i], score !== 0 && coloured(i) ? score / data.max : null, signed);
  }
}
