// The colour legend: the scale's gradient with −max / 0 / +max (or 0 / max) under it.

import { scaleGradient } from "./colors.js";
import { h, fill } from "./dom.js";
import { formatScore } from "./scores.js";

export function createLegend() {
  const bar = h("div", { class: "ne-legend-bar" });
  const labels = h("div", { class: "ne-legend-labels" });
  const el = h("div", { class: "ne-legend", "aria-label": "colour scale" }, [bar, labels]);
  return {
    el,
    update(signed, max) {
      bar.style.background = scaleGradient(signed);
      const ends = signed ? [`−${formatScore(max)}`, "0", `+${formatScore(max)}`] : ["0", formatScore(max)];
      fill(
        labels,
        ends.map((text) => h("span", { text })),
      );
      el.title = signed
        ? "orange: supports the target class; blue: speaks against it"
        : "darker: more important (unsigned scores)";
    },
  };
}
