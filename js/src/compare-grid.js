// The compact comparison: one thin row of cells per method, one cell per unit, in bands of at
// most BAND_UNITS units, so 20 methods × 512 tokens fit in about one screen. A cell's colour is
// its method's score on that method's own scale (top-k % only); hovering names the unit, the
// method and the score in a readout line, and a click opens that method in the heatmap.

import { paint } from "./colors.js";
import { fill, h } from "./dom.js";
import { formatScore } from "./scores.js";

/** The most units one band holds: 512 tokens make 3 bands. */
const BAND_UNITS = 180;

/** Bands of near-equal width: [start, end) ranges over the units. */
export function bands(n) {
  const count = Math.max(1, Math.ceil(n / BAND_UNITS));
  const width = Math.ceil(n / count);
  const out = [];
  for (let start = 0; start < n; start += width) out.push([start, Math.min(n, start + width)]);
  return out;
}

const HINT = "Point at a cell to read its unit and score; click it to open that method in the heatmap.";

export function createCompareGrid(ctx) {
  const grid = h("div", { class: "ne-grid", "data-testid": "ne-compare-grid" });
  const readout = h("p", { class: "ne-hint ne-grid-readout", "aria-live": "polite", text: HINT });
  const el = h("div", { class: "ne-grid-view" }, [grid, readout]);
  let shown = null; // { rows: [{ result, cells }], units, level }

  function describe(cell) {
    const row = shown.rows[Number(cell.getAttribute("data-row"))];
    const unit = Number(cell.getAttribute("data-index"));
    const data = row.result.levels[shown.level];
    const rank = data.ranks[unit] ? `rank ${data.ranks[unit]} of ${data.order.length}` : "special token";
    return `${row.result.name} · “${shown.units.labels[unit]}” (${shown.level} ${unit + 1} of ${shown.units.labels.length}) · score ${formatScore(data.scores[unit])} · ${rank}`;
  }

  grid.addEventListener("mouseover", (event) => {
    const cell = event.target.closest?.(".ne-grid-cell");
    if (cell && shown) readout.textContent = describe(cell);
  });
  grid.addEventListener("mouseleave", () => (readout.textContent = HINT));
  grid.addEventListener("click", (event) => {
    const cell = event.target.closest?.(".ne-grid-cell");
    if (cell && shown) {
      ctx.set({ method: shown.rows[Number(cell.getAttribute("data-row"))].result.name, view: "heatmap" });
    }
  });

  /** Build the cells for these methods (results) at this level. */
  function build(results, units, level) {
    const rows = results.map((result) => ({ result, cells: new Array(units.labels.length) }));
    const pieces = bands(units.labels.length).map(([start, end]) => {
      const band = h("div", { class: "ne-grid-band" });
      band.style.gridTemplateColumns = `minmax(6em, 11em) repeat(${end - start}, minmax(0, 1fr))`;
      const axis = h("span", {
        class: "ne-grid-axis",
        text: `${level}s ${start + 1}–${end}: ${units.labels.slice(start, Math.min(end, start + 8)).join(" ")}${end - start > 8 ? " …" : ""}`,
      });
      axis.style.gridColumn = `1 / span ${end - start + 1}`;
      band.append(axis);
      rows.forEach(({ result, cells }, r) => {
        const scale = `${result.signed ? "±" : "0–"}${formatScore(result.levels[level].max)}`;
        band.append(
          h("span", {
            class: "ne-grid-name",
            title: `${result.name} (${result.family}): full colour at ${scale}`,
            text: result.name,
          }),
        );
        for (let i = start; i < end; i++) {
          cells[i] = h("span", {
            class: units.skip[i] ? "ne-grid-cell ne-special" : "ne-grid-cell",
            "data-row": r,
            "data-index": i,
          });
          band.append(cells[i]);
        }
      });
      return band;
    });
    fill(grid, pieces);
    shown = { rows, units, level };
    readout.textContent = HINT;
  }

  /** Colour every cell; `kept(result)` gives the set of units inside that method's top k. */
  function colour(kept) {
    for (const { result, cells } of shown.rows) {
      const data = result.levels[shown.level];
      const top = kept(data);
      for (let i = 0; i < cells.length; i++) {
        const score = data.scores[i];
        paint(cells[i], score !== 0 && top.has(i) ? score / data.max : null, result.signed);
        cells[i].setAttribute("data-score", String(score));
      }
    }
  }

  return { el, build, colour };
}
