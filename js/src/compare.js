// The comparison view: the chosen methods' heatmaps stacked as text rows, or as the compact grid
// (compare-grid.js) for long texts, each keeping only its top-k % units coloured; and a colour
// matrix of pairwise agreement (Kendall tau-b, top-k overlap) with the values on hover. With an
// evaluation the word-level matrix is the kernel's; otherwise (and at other levels) it is
// computed here from the scores.

import { kendallTauB, topKOverlap } from "./agreement.js";
import { paint, scaleGradient } from "./colors.js";
import { createCompareGrid } from "./compare-grid.js";
import { tracker } from "./context.js";
import { fill, h } from "./dom.js";
import { formatScore, topKCount } from "./scores.js";
import { colourUnits, labelUnits, unitSpans } from "./tokens.js";

/** The share of each method's units the comparison colours by default: at 100 % every overlap
 * reads 100 %, so the default keeps the top fifth (the kernel's ``top_k`` trait agrees). */
const DEFAULT_TOP_K = 20;

/** Above this many units the comparison opens as the compact grid (the text rows stay one click away). */
export const GRID_ABOVE_UNITS = 60;

const LAYOUTS = [
  ["rows", "Text rows"],
  ["grid", "Compact grid"],
];

const CAPTION =
  "Point at a cell to read its value. Upper triangle: Kendall's τ_b between the two methods' scores (on |score| when either method is unsigned); " +
  "lower triangle: top-k overlap, the share of top-k units the two methods have in common. " +
  "Special tokens are left out.";
const kernelCaption = (k) =>
  "From the faithfulness evaluation (kernel), on word scores; point at a cell to read its value. Upper triangle: Kendall's τ_b between the " +
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
  const grid = createCompareGrid(ctx);
  let chosenLayout = null; // the user's pick; until then the length of the text decides
  const layoutButtons = new Map(
    LAYOUTS.map(([name, label]) => [
      name,
      h("button", {
        type: "button",
        class: "ne-toggle",
        "data-layout": name,
        text: label,
        onclick: () => {
          chosenLayout = name;
          update(true);
        },
      }),
    ]),
  );
  const table = h("table", { class: "ne-agreement", "data-testid": "ne-agreement" });
  const readout = h("p", { class: "ne-agreement-readout", "aria-live": "polite" });
  const caption = h("p", { class: "ne-hint", "data-testid": "ne-agreement-caption" });
  table.addEventListener("mouseover", (event) => {
    const cell = event.target.closest?.("td[data-tau]");
    if (cell) readout.textContent = cell.title;
  });
  const el = h("div", { class: "ne-compare", "data-testid": "ne-compare" }, [
    h("div", { class: "ne-bar" }, [
      choices,
      h("label", { class: "ne-control" }, ["Top ", topK, topKText]),
      h("span", { class: "ne-segmented", role: "group", "aria-label": "Layout" }, [...layoutButtons.values()]),
    ]),
    rows,
    grid.el,
    h("h4", { text: "Agreement" }),
    h("div", { class: "ne-agreement-box" }, [
      h("div", { class: "ne-scroll-x" }, [table]),
      h("div", { class: "ne-agreement-notes" }, [readout, caption]),
    ]),
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
    // columns are numbered, rows carry number and name: the matrix stays small at 20 methods
    const head = h("tr", {}, [
      h("th"),
      ...names.map((name, j) => h("th", { scope: "col", title: name, text: String(j + 1) })),
    ]);
    const body = results.map((a, i) =>
      h("tr", {}, [
        h("th", { scope: "row", class: "ne-agreement-name", text: `${i + 1} ${a.name}` }),
        ...results.map((b, j) => {
          if (i === j) return h("td", { class: "ne-diagonal", title: a.name });
          const [first, second] = i < j ? [a, b] : [b, a];
          const { t, overlap, k } = pair(first, second);
          const cell = h("td", {
            "data-tau": String(t),
            "data-overlap": String(overlap),
            "data-methods": JSON.stringify([first.name, second.name]),
            title:
              `${first.name} vs ${second.name}: τ_b = ${Number.isNaN(t) ? "undefined" : t.toFixed(3)}, ` +
              `top-${k} overlap = ${(overlap * 100).toFixed(0)} %`,
            "aria-label":
              i < j ? `τ_b ${Number.isNaN(t) ? "undefined" : t.toFixed(2)}` : `overlap ${Math.round(overlap * 100)} %`,
          });
          if (i < j && Number.isNaN(t)) cell.classList.add("ne-undefined");
          paint(cell, i < j ? (Number.isNaN(t) ? null : t) : overlap, i < j);
          return cell;
        }),
      ]),
    );
    fill(table, [h("thead", {}, [head]), h("tbody", {}, body)]);
    readout.textContent = "";
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

    const units = exp.units[level];
    const layout = chosenLayout ?? (units.labels.length > GRID_ABOVE_UNITS ? "grid" : "rows");
    for (const [name, button] of layoutButtons) button.setAttribute("aria-pressed", String(name === layout));
    rows.hidden = layout !== "rows";
    grid.el.hidden = layout !== "grid";

    if (rowsChanged(exp, level, key, layout)) {
      taus = new Map();
      const results = names.map((name) => exp.byName.get(name));
      if (layout === "grid") {
        grid.build(results, units, level);
        shownRows = results.map((result) => ({ result, spans: null }));
        fill(rows, []);
      } else {
        shownRows = results.map((result) => {
          const spans = unitSpans(units, "ne-compare-token");
          labelUnits(spans, units, result.levels[level]);
          return { result, spans };
        });
        fill(rows, shownRows.map(textRow(level)));
      }
    }
    if (rowsPainted(shownRows, percent)) {
      const kept = (data) => new Set(data.order.slice(0, topKCount(data.order.length, percent)));
      if (layout === "grid") grid.colour(kept);
      else
        for (const { result, spans } of shownRows) {
          const top = kept(result.levels[level]);
          colourUnits(spans, result.levels[level], result.signed, (i) => top.has(i));
        }
      topK.value = String(percent);
      topKText.textContent = ` ${percent} % of units by |score|`;
    }
    if (tableChanged(shownRows, percent, ctx.get("evaluation"))) agreementTable(exp, level, names, percent);
  }

  return { el, update };
}

/** One method's text row: its name and scale, then its units. */
const textRow =
  (level) =>
  ({ result, spans }) =>
    h("div", { class: "ne-compare-row" }, [
      h("div", { class: "ne-compare-label" }, [
        h("span", { class: "ne-compare-name", title: result.family, text: result.name }),
        rowScale(result.signed, result.levels[level].max),
      ]),
      h("div", { class: "ne-tokens" }, spans),
    ]);

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
