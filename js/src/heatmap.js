// The heatmap: one span per word or token coloured by the selected method, a legend and a
// threshold slider. Spans are built once per explanation and level; a method toggle only
// repaints them.

import { tracker } from "./context.js";
import { fill, h } from "./dom.js";
import { createLegend } from "./legend.js";
import { colourUnits, describeUnit, labelUnits, unitSpans } from "./tokens.js";

const HINT = "Hover a unit for its score and rank.";
/** Below this largest |score| a method's scores are rounding noise: normalised by their own
 * maximum they would look like a full-strength map, so none is coloured and a note says why. */
export const ZERO_SCORE = 1e-6;
const CLICK_HINT = " Click it to see the training examples behind it.";

export function createHeatmap(ctx) {
  const legend = createLegend();
  const threshold = h("input", {
    type: "range",
    min: 0,
    max: 1,
    step: 0.01,
    "aria-label": "Colour threshold",
    oninput: () => ctx.set({ threshold: Number(threshold.value) }),
  });
  const thresholdText = h("span", { class: "ne-muted" });
  const tokens = h("div", { class: "ne-tokens ne-heatmap-tokens" });
  const detail = h("div", { class: "ne-detail" });
  // where the tokenizer's length limit cut the text: after the last unit shown
  const cutMark = h("span", { class: "ne-cut", "data-testid": "ne-truncation", hidden: true });
  const zeroNote = h("p", { class: "ne-hint ne-warning", "data-testid": "ne-zero-note", hidden: true });
  const el = h("div", { class: "ne-heatmap" }, [
    h("div", { class: "ne-bar" }, [
      legend.el,
      h("label", { class: "ne-control" }, ["Hide below ", threshold, thresholdText]),
    ]),
    zeroNote,
    h("div", { class: "ne-heatmap-body" }, [tokens, cutMark]),
    detail,
  ]);

  let spans = [];
  let units = null;
  let data = null;
  const rebuilt = tracker();
  const labelled = tracker();
  const coloured = tracker();
  const reselected = tracker();
  const detailed = tracker();

  const unitAt = (event) => event.target.closest?.("[data-index]");

  function showDetail(index) {
    if (data && index >= 0 && index < spans.length) {
      detail.textContent = describeUnit(
        units.labels[index],
        data.scores[index],
        data.ranks[index],
        data.order.length,
      ).join(" · ");
    } else detail.textContent = HINT + (ctx.editable() ? CLICK_HINT : "");
  }

  tokens.addEventListener("click", (event) => {
    const span = unitAt(event);
    if (!span) return;
    const index = Number(span.getAttribute("data-index"));
    ctx.set({ selected_token: index });
    const level = ctx.level();
    if (level === "token" || level === "word") ctx.tokenInfluence(index, level); // influence is per token
  });
  tokens.addEventListener("mouseover", (event) => {
    const span = unitAt(event);
    if (span) showDetail(Number(span.getAttribute("data-index")));
  });
  tokens.addEventListener("mouseleave", () => showDetail(ctx.get("selected_token")));

  return {
    el,
    update(active) {
      const result = ctx.result();
      if (!active || !result) return;
      const exp = ctx.explanation();
      const level = ctx.level();
      if (rebuilt(exp, level)) {
        units = exp.units[level];
        spans = unitSpans(units, "ne-token");
        fill(tokens, spans);
        cutMark.hidden = !exp.truncatedTokens;
        cutMark.textContent = exp.truncatedTokens
          ? `✂ the text was cut here: ${exp.truncatedTokens} more tokens are past the model's length limit and not explained`
          : "";
      }
      if (labelled(spans, result)) {
        data = result.levels[level];
        labelUnits(spans, units, data);
        const exp = ctx.explanation();
        legend.update(result.signed, data.max, exp.classNames[exp.target], exp.classNames[exp.contrast]);
      }
      const cut = Math.min(Math.max(Number(ctx.get("threshold")) || 0, 0), 1);
      if (coloured(spans, result, cut)) {
        const { scores, max } = data;
        const zero = !(max >= ZERO_SCORE);
        zeroNote.hidden = !zero;
        zeroNote.textContent = zero
          ? `Every ${result.name} score is ≈ 0 here (largest |score| ${max.toExponential(1)}): this method ` +
            "sees nothing in this input on this model, so no unit is coloured. (saliency_sum is ≈ 0 on " +
            "LayerNorm models, for one.)"
          : "";
        colourUnits(spans, data, result.signed, (i) => !zero && !units.skip[i] && Math.abs(scores[i]) / max >= cut);
        threshold.value = String(cut);
        thresholdText.textContent = ` ${Math.round(cut * 100)} % of max |score|`;
      }
      const selected = ctx.get("selected_token");
      if (reselected(spans, selected)) spans.forEach((span, i) => span.classList.toggle("ne-selected", i === selected));
      if (detailed(data, selected)) showDetail(selected);
    },
  };
}
