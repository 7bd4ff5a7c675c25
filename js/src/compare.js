// The comparison view: the chosen methods' heatmaps stacked, each keeping only its top-k % units
// coloured, and a table of pairwise agreement (Kendall tau-b, top-k overlap). With an evaluation
// the word-level table is the kernel's agreement matrix; otherwise (and at other levels) it is
// computed here from the scores.

import { kendallTauB, topKOverlap } from "./agreement.js";
import { paint, scaleGradient } from "./colors.js";
import { tracker } from "./context.js";
import { fill, h } from "./dom.js";
import { formatScore, topKCount } from "./scores.js";
import { colourUnits, labelUnits, unitSpans } from "./tokens.js";

/** The share of each method's units the comparison colours by default: at 100 % every overlap
 * reads 100 %, so the default keeps the top fifth (the kernel's ``top_k`` trait agrees). */
const DEFAULT_TOP_K = 20;

const CAPTION =
  "Upper triangle: Kendall's τ_b between the two methods' scores (on |score| when either method is unsigned); " +
  "lower triangle: top-k overlap, the share of top-k units the two methods have in common. " +
  "Special tokens are left out.";
const kernelCaption = (k) =>
  "From the faithfulness evaluation (kernel), on word scores. Upper triangle: Kendall's τ_b between the " +
  "two methods' scores (on |score| when either method is unsigned); lower triangle: " +
  `top-${k} overlap, the share of the ${k} words of highest |score| the two methods have in common.`;

/** The methods to compare: `compare` in result order, or every computed method when it names none. */
export function shownNames(exp, compare) {
  const chosen = new Set(compare ?? []);
  const names = exp.results.map((r) => r.name);
  const shown = names.filter((name) => chosen.has(name));
  return shown.length ? shown : names;
}

export function createCompare(ctx) {
  const choices = h("div", { class: "ne-choices", role: "group", "aria-label": "Methods to compare" });
  const topK = h("input", {
    type: "range",
    min: 1,
    max: 100,
    step: 1,
    "aria-label": "Top-k percent",
    oninput: () => ctx.set({ top_k: Number(topK.value) }),
  });
  const topKText = h("span", { class: "ne-muted" });
  const rows = h("div", { class: "ne-compare-rows" });
  const table = h("table", { class: "ne-agreement", "data-testid": "ne-agreement" });
  const caption = h("p", { class: "ne-hint" });
  const el = h("div", { class: "ne-compare", "data-testid": "ne-compare" }, [
    h("div", { class: "ne-bar" }, [choices, h("label", { class: "ne-control" }, ["Top ", topK, topKText])]),
    rows,
    h("h4", { text: "Agreement" }),
    table,
    caption,
  ]);

  let boxes = new Map();
  let shownRows = [];
  let taus = new Map();
  const choicesChanged = tracker();
  const rowsChanged = tracker();
  const rowsPainted = tracker();
  const tableChanged = tracker();

  function choose() {
    const exp = ctx.explanation();
    const checked = exp.results.map((r) => r.name).filter((name) => boxes.get(name).checked);
    if (checked.length) ctx.set({ compare: checked });
    else update(true); // keep at least one method: re-check the box
  }

  function tau(a, b, level) {
    const key = JSON.stringify([a.name, b.name]);
    if (!taus.has(key)) {
      const [x, y] = [a.levels[level], b.levels[level]];
      const both = a.signed && b.signed;
      taus.set(key, kendallTauB(both ? x.values : x.magnitudes, both ? y.values : y.magnitudes));
    }
    return taus.get(key);
  }

  /** The kernel's (word-level) agreement of every shown pair when the evaluation covers them all. */
  function kernelAgreement(level, names) {
    const matrix = ctx.evaluation()?.agreement;
    if (level !== "word" || !matrix || !names.every((name) => matrix.methods.includes(name))) return null;
    return (a, b) => {
      const [i, j] = [matrix.methods.indexOf(a.name), matrix.methods.indexOf(b.name)];
      const number = (v) => (typeof v === "number" ? v : NaN);
      return { t: number(matrix.rank_correlation[i][j]), overlap: number(matrix.top_k_overlap[i][j]), k: matrix.k };
    };
  }

  function agreementTable(exp, level, names, percent) {
    const results = names.map((name) => exp.byName.get(name));
    const kernel = kernelAgreement(level, names);
    const k = topKCount(results[0].levels[level].order.length, percent);
    const browser = (a, b) => ({
      t: tau(a, b, level),
      overlap: topKOverlap(a.levels[level].order, b.levels[level].order, k),
      k,
    });
    const pair = kernel ?? browser;
    const head = h("tr", {}, [h("th"), ...names.map((name) => h("th", { scope: "col", text: name }))]);
    const body = results.map((a, i) =>
      h("tr", {}, [
        h("th", { scope: "row", text: a.name }),
        ...results.map((b, j) => {
          if (i === j) return h("td", { class: "ne-diagonal", text: "—" });
          const [first, second] = i < j ? [a, b] : [b, a];
          const { t, overlap, k } = pair(first, second);
          const cell = h("td", {
            "data-tau": String(t),
            "data-overlap": String(overlap),
            "data-methods": JSON.stringify([first.name, second.name]),
            title:
              `${first.name} vs ${second.name}: τ_b = ${Number.isNaN(t) ? "undefined" : t.toFixed(3)}, ` +
              `top-${k} overlap = ${(overlap * 100).toFixed(0)} %`,
            text: i < j ? (Number.isNaN(t) ? "–" : t.toFixed(2)) : `${Math.round(overlap * 100)} %`,
          });
          paint(cell, i < j ? (Number.isNaN(t) ? null : t) : overlap, i < j);
          return cell;
        }),
      ]),
    );
    fill(table, [h("thead", {}, [head]), h("tbody", {}, body)]);
    table.setAttribute("data-source", kernel ? "kernel" : "browser");
    caption.textContent = kernel ? kernelCaption(ctx.evaluation().agreement.k) : CAPTION;
  }

  function update(active) {
    const exp = ctx.explanation();
    if (!active || !exp || exp.results.length === 0) return;
    const level = ctx.level();
    const names = shownNames(exp, ctx.get("compare"));
    const key = JSON.stringify(names);
    const percent = Math.min(Math.max(Number(ctx.get("top_k")) || DEFAULT_TOP_K, 1), 100);

    if (choicesChanged(exp)) {
      boxes = new Map(exp.results.map((r) => [r.name, h("input", { type: "checkbox", onchange: choose })]));
      fill(
        choices,
        exp.results.map((r) => h("label", { class: "ne-choice" }, [boxes.get(r.name), r.name])),
      );
    }
    for (const [name, box] of boxes) box.checked = names.includes(name);

    if (rowsChanged(exp, level, key)) {
      taus = new Map();
      const units = exp.units[level];
      shownRows = names.map((name) => {
        const result = exp.byName.get(name);
        const spans = unitSpans(units, "ne-compare-token");
        labelUnits(spans, units, result.levels[level]);
        return { result, spans };
      });
      fill(
        rows,
        shownRows.map(({ result, spans }) =>
          h("div", { class: "ne-compare-row" }, [
            h("div", { class: "ne-compare-label" }, [
              h("span", { class: "ne-compare-name", title: result.family, text: result.name }),
              rowScale(result.signed, result.levels[level].max),
            ]),
            h("div", { class: "ne-tokens" }, spans),
          ]),
        ),
      );
    }
    if (rowsPainted(shownRows, percent)) {
      for (const { result, spans } of shownRows) {
        const data = result.levels[level];
        const kept = new Set(data.order.slice(0, topKCount(data.order.length, percent)));
        colourUnits(spans, data, result.signed, (i) => kept.has(i));
      }
      topK.value = String(percent);
      topKText.textContent = ` ${percent} % of units by |score|`;
    }
    if (tableChanged(shownRows, percent, ctx.get("evaluation"))) agreementTable(exp, level, names, percent);
  }

  return { el, update };
}

/** A row's own scale: each row is normalised by its method's largest |score|, so it says which. */
function rowScale(signed, max) {
  const swatch = h("span", { class: "ne-compare-swatch" });
  swatch.style.background = scaleGradient(signed);
  const range = signed ? `±${formatScore(max)}` : `0–${formatScore(max)}`;
  return h(
    "span",
    {
      class: "ne-compare-scale",
      "data-testid": "ne-compare-scale",
      title: `full colour at |score| = ${formatScore(max)}`,
    },
    [swatch, range],
  );
}
