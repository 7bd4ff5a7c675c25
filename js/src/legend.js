// The colour legend: the scale's gradient with −max / 0 / +max (or 0 / max) under it, and its ends
// named in words: against / for the explained class, or less / more important.

import { scaleGradient } from "./colors.js";
import { h, fill } from "./dom.js";
import { formatScore } from "./scores.js";

export function createLegend() {
  const bar = h("div", { class: "ne-legend-bar" });
  const labels = h("div", { class: "ne-legend-labels" });
  const words = h("div", { class: "ne-legend-labels ne-legend-words", "data-testid": "ne-legend-words" });
  const el = h("div", { class: "ne-legend", "aria-label": "colour scale" }, [bar, labels, words]);
  return {
    el,
    /** ``contrast``: the class the target is explained against, if any. */
    update(signed, max, target, contrast) {
      bar.style.background = scaleGradient(signed);
      const ends = signed ? [`−${formatScore(max)}`, "0", `+${formatScore(max)}`] : ["0", formatScore(max)];
      fill(
        labels,
        ends.map((text) => h("span", { text })),
      );
      const explained = contrast ? `“${target}” over “${contrast}”` : `“${target}”`;
      const meanings = signed ? [`← against ${explained}`, `for ${explained} →`] : ["less important", "more important →"];
      fill(
        words,
        meanings.map((text) => h("span", { text })),
      );
      el.title = signed
        ? "orange: supports the target class; blue: speaks against it"
        : "darker: more important (unsigned scores)";
    },
  };
}
