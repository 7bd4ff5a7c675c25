// The hierarchy view: the input's words at the bottom and, stacked above them, the segments a
// hierarchical explanation scores, each coloured by its score on the heatmap's scale, as in the
// papers' figures (Murdoch et al. 2018, Singh et al. 2019, Chen et al. 2020, Jin et al. 2020).
// A method's own hierarchy (`info.hierarchy`: hedge, contextual_decomposition) is drawn when it
// has one; any other method shows the span levels, clauses over phrases over words, with its span
// scores. Hover a segment for its words and score; click it to mark its words in the word row.

import { paint } from "./colors.js";
import { tracker } from "./context.js";
import { fill, h } from "./dom.js";
import { createLegend } from "./legend.js";
import { formatScore } from "./scores.js";

const SPAN_LEVELS = ["clause", "phrase"];

/** The rows to draw, top to bottom: each a list of {start, end, score} word ranges. */
export function hierarchyLevels(exp, result) {
  const own = result.info?.hierarchy;
  const nWords = exp.words.length;
  if (Array.isArray(own) && own.length) {
    const rows = own.map((level) =>
      (Array.isArray(level) ? level : []).map(([start, end, score]) => ({
        start: Number(start),
        end: Number(end),
        score: Number(score),
      })),
    );
    const valid = rows.every((row) =>
      row.every((s) => Number.isInteger(s.start) && Number.isInteger(s.end) && s.start < s.end && s.end <= nWords),
    );
    if (valid) return { source: "method", rows };
  }
  const rows = [];
  for (const level of SPAN_LEVELS) {
    const ranges = exp.spanRanges[level];
    const data = result.levels[level];
    if (ranges && data) rows.push(ranges.map(([start, end], i) => ({ start, end, score: data.scores[i] })));
  }
  rows.push(exp.words.map((_, i) => ({ start: i, end: i + 1, score: result.levels.word.scores[i] })));
  return { source: "spans", rows };
}

export function createHierarchy(ctx) {
  const legend = createLegend();
  const methodSelect = h("select", {
    "aria-label": "Method",
    "data-testid": "ne-hierarchy-method",
    onchange: () => ctx.set({ method: methodSelect.value }),
  });
  const note = h("p", { class: "ne-hint", "data-testid": "ne-hierarchy-source" });
  const rowsEl = h("div", { class: "ne-hierarchy-rows", "data-testid": "ne-hierarchy" });
  const detail = h("p", { class: "ne-detail", "data-testid": "ne-hierarchy-detail" });
  const el = h("div", { class: "ne-hierarchy" }, [
    h("div", { class: "ne-bar" }, [h("label", { class: "ne-control" }, ["Method ", methodSelect]), legend.el]),
    note,
    rowsEl,
    detail,
  ]);

  let exp = null;
  let result = null;
  let max = 1;
  let selected = null; // the clicked segment's [start, end)
  const drawn = tracker();

  const words = (s) => exp.words.slice(s.start, s.end).join(" ");
  const describe = (s) => {
    const target = exp.classNames[exp.target] ?? String(exp.target);
    const sign = result.signed ? (s.score >= 0 ? `for “${target}”` : `against “${target}”`) : "importance";
    return `“${words(s)}” (words ${s.start + 1}–${s.end}): ${formatScore(s.score)} ${sign}`;
  };
  const segmentOf = (event) => event.target.closest?.("[data-start]");
  const parse = (el) => ({
    start: Number(el.getAttribute("data-start")),
    end: Number(el.getAttribute("data-end")),
    score: Number(el.getAttribute("data-score")),
  });

  /** Mark the clicked segment wherever a level has it, and its words in the word row. */
  function mark() {
    const rows = [...rowsEl.children];
    rows.forEach((row, level) => {
      for (const el of row.children) {
        const s = parse(el);
        const same = selected !== null && s.start === selected[0] && s.end === selected[1];
        const word = level === rows.length - 1 && selected !== null && s.start >= selected[0] && s.end <= selected[1];
        el.classList.toggle("ne-selected", same || word);
      }
    });
  }

  rowsEl.addEventListener("mouseover", (event) => {
    const el = segmentOf(event);
    if (el) detail.textContent = describe(parse(el));
  });
  rowsEl.addEventListener("click", (event) => {
    const el = segmentOf(event);
    if (!el) return;
    const s = parse(el);
    selected = [s.start, s.end];
    detail.textContent = describe(s);
    mark();
  });

  return {
    el,
    update(active) {
      const current = ctx.result();
      if (!active || !current) return;
      exp = ctx.explanation();
      result = current;
      if (!drawn(exp, result)) return;
      selected = null;
      fill(
        methodSelect,
        exp.results.map((r) => h("option", { value: r.name, text: r.name })),
      );
      methodSelect.value = result.name;
      const { source, rows } = hierarchyLevels(exp, result);
      const scores = rows.flat().map((s) => Math.abs(s.score)).filter(Number.isFinite);
      max = Math.max(...scores, 0) || 1;
      legend.update(result.signed, max, exp.classNames[exp.target], exp.classNames[exp.contrast]);
      note.textContent =
        source === "method"
          ? `${result.name}'s own hierarchy: ${rows.length} levels, from the whole input down to its words.`
          : `${result.name} over the span levels (${exp.spanSource || "spans"}): clauses, phrases, then words.`;
      fill(
        rowsEl,
        rows.map((row, level) =>
          h(
            "div",
            { class: "ne-hierarchy-row", "data-level": level },
            row.map((s) => {
              const segment = h("div", {
                class: "ne-hierarchy-segment",
                "data-start": s.start,
                "data-end": s.end,
                "data-score": s.score,
                title: describe(s),
                text: words(s),
              });
              paint(segment, s.score / max, result.signed); // paint replaces the inline style
              segment.style.flexGrow = String(s.end - s.start);
              return segment;
            }),
          ),
        ),
      );
      detail.textContent = "Hover a segment for its score; click it to mark its words.";
    },
  };
}
