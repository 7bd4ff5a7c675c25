// The faithfulness panel: the kernel's evaluation (the `evaluation` trait, Evaluation.to_json())
// for the shown method(s): per metric its direction, each method's value with the small curve
// behind it, the best method marked. The Faithfulness button asks the kernel for it: it costs
// forward passes (n + 1 inputs per method and metric), so it is computed on demand only.

import { shownNames } from "./compare.js";
import { tracker } from "./context.js";
import { fill, h, svg } from "./dom.js";

const DIRECTIONS = {
  higher: { arrow: "↑", text: "higher is better" },
  lower: { arrow: "↓", text: "lower is better" },
  neither: { arrow: "", text: "neither direction is better" },
};

const EMPTY_HINT =
  "How faithful is each method to this model? Faithfulness removes each method's top words and " +
  "measures how the prediction drops (AOPC, deletion curve, comprehensiveness, sufficiency, " +
  "correlation with leave-one-out): batches of forward passes in the kernel.";
const LEGEND = "↑ higher is better · ↓ lower is better · ★ best of the evaluated methods · hover a cell for details";

const CURVE = { width: 64, height: 20, pad: 2 };

const valueOf = (evaluation, method, metric) => {
  const v = evaluation.values?.[method]?.[metric];
  return typeof v === "number" && Number.isFinite(v) ? v : null;
};

/** metric → the best method by the metric's direction (nulls skipped; ties: the first, as Evaluation.best). */
export function bestMethods(evaluation) {
  const best = {};
  for (const { name, direction } of evaluation.metrics) {
    if (direction !== "higher" && direction !== "lower") continue;
    const better = direction === "higher" ? (a, b) => a > b : (a, b) => a < b;
    let pick = null;
    for (const method of evaluation.methods) {
      const v = valueOf(evaluation, method, name);
      if (v !== null && (pick === null || better(v, valueOf(evaluation, pick, name)))) pick = method;
    }
    if (pick !== null) best[name] = pick;
  }
  return best;
}

/** The y range of a metric's curves over every method, so its small plots share one scale. */
function curveRange(evaluation, metric) {
  const ys = evaluation.methods.flatMap((m) => evaluation.curves?.[m]?.[metric]?.y ?? []).map(Number);
  return ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
}

/** A curve as a small inline SVG line, x over its own range, y over `[low, high]`. */
export function curvePlot(curve, [low, high]) {
  const xs = curve.x.map(Number);
  const ys = curve.y.map(Number);
  const { width, height, pad } = CURVE;
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const px = (x) => (x1 > x0 ? pad + ((x - x0) / (x1 - x0)) * (width - 2 * pad) : width / 2);
  const py = (y) => (high > low ? height - pad - ((y - low) / (high - low)) * (height - 2 * pad) : height / 2);
  const label = `${curve.y_label} against ${curve.x_label}`;
  const ends = ys.length ? `: ${ys[0].toFixed(3)} → ${ys[ys.length - 1].toFixed(3)}` : "";
  return svg(
    "svg",
    {
      class: "ne-curve",
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      role: "img",
      "aria-label": label,
      "data-points": xs.length,
    },
    [
      svg("title", { text: `${label} (${xs.length} points)${ends}` }),
      svg("polyline", { points: xs.map((x, i) => `${px(x).toFixed(1)},${py(ys[i]).toFixed(1)}`).join(" ") }),
    ],
  );
}

function metricHeader(meta) {
  const direction = DIRECTIONS[meta.direction] ?? DIRECTIONS.neither;
  const about = [String(meta.description ?? ""), meta.paper ? `(${meta.paper})` : ""].filter(Boolean).join(" ");
  const label = String(meta.label || meta.name);
  return h("th", { scope: "col", "data-metric": meta.name, title: `${meta.name}: ${direction.text}. ${about}` }, [
    label,
    direction.arrow
      ? h("span", { class: "ne-direction", "aria-label": direction.text, text: ` ${direction.arrow}` })
      : null,
  ]);
}

function valueCell(evaluation, method, meta, best, ranges) {
  const value = valueOf(evaluation, method, meta.name);
  const attrs = { "data-metric": meta.name, "data-method": method, "data-value": value ?? "" };
  if (value === null) {
    const reason = evaluation.reasons?.[method]?.[meta.name] ?? "Not computed for this method.";
    const label = meta.label || meta.name;
    return h("td", { ...attrs, class: "ne-na", title: `${method}: ${label} does not apply. ${reason}` }, ["n/a"]);
  }
  const isBest = best[meta.name] === method;
  const curve = evaluation.curves?.[method]?.[meta.name];
  return h(
    "td",
    {
      ...attrs,
      class: isBest ? "ne-best" : null,
      "data-best": isBest,
      title:
        `${method}: ${meta.name} = ${value}` +
        (isBest ? ` (best of the ${evaluation.methods.length} evaluated methods)` : ""),
    },
    [
      h("span", { class: "ne-number", text: value.toFixed(3) }),
      curve ? curvePlot(curve, ranges[meta.name]) : null,
      isBest ? h("span", { class: "ne-best-mark", "aria-label": "best", text: "★" }) : null,
    ],
  );
}

function table(evaluation, names) {
  const best = bestMethods(evaluation);
  const ranges = Object.fromEntries(evaluation.metrics.map((m) => [m.name, curveRange(evaluation, m.name)]));
  return h("table", { class: "ne-faithfulness", "data-testid": "ne-faithfulness" }, [
    h("thead", {}, [h("tr", {}, [h("th"), ...evaluation.metrics.map(metricHeader)])]),
    h(
      "tbody",
      {},
      names.map((method) =>
        h("tr", { "data-method": method }, [
          h("th", { scope: "row", text: method }),
          ...evaluation.metrics.map((meta) =>
            evaluation.values?.[method]
              ? valueCell(evaluation, method, meta, best, ranges)
              : h("td", { class: "ne-na", title: `${method} was not evaluated.`, text: "–" }),
          ),
        ]),
      ),
    ),
  ]);
}

/** The panel for the methods `names(exp)` returns. */
function createFaithfulness(ctx, names) {
  const button = h("button", {
    type: "button",
    class: "ne-evaluate",
    "data-testid": "ne-evaluate",
    text: "Faithfulness",
    title: "Evaluate every computed method's faithfulness to the model (forward passes in the kernel)",
    onclick: () => ctx.evaluate(),
  });
  const summary = h("span", { class: "ne-muted" });
  const body = h("div", { class: "ne-faithfulness-body" });
  const el = h("div", { class: "ne-faithfulness-panel" }, [h("div", { class: "ne-bar" }, [button, summary]), body]);
  const changed = tracker();

  return {
    el,
    update(active) {
      const exp = ctx.explanation();
      if (!active || !exp) return;
      button.disabled = Boolean(ctx.get("busy"));
      button.hidden = !ctx.editable(); // evaluating needs the kernel's model
      const evaluation = ctx.evaluation();
      const shown = names(exp);
      if (!changed(evaluation, exp, JSON.stringify(shown))) return;
      if (!evaluation) {
        summary.textContent = "";
        fill(body, [h("p", { class: "ne-hint", text: EMPTY_HINT })]);
        return;
      }
      const n = evaluation.methods.length;
      summary.textContent = `${n} method${n === 1 ? "" : "s"} evaluated on this text`;
      // a wide table scrolls inside its own box in a narrow output
      fill(body, [
        h("div", { class: "ne-scroll-x" }, [table(evaluation, shown)]),
        h("p", { class: "ne-hint", text: LEGEND }),
      ]);
    },
  };
}

/** The heatmap view's panel: the selected method. */
export const createMethodFaithfulness = (ctx) =>
  createFaithfulness(ctx, () => (ctx.result() ? [ctx.result().name] : []));

/** The comparison view's panel: the compared methods. */
export const createCompareFaithfulness = (ctx) => createFaithfulness(ctx, (exp) => shownNames(exp, ctx.get("compare")));
