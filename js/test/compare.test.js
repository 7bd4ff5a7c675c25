import assert from "node:assert/strict";
import test from "node:test";
import { kendallTauB, topKOverlap } from "../src/agreement.js";
import { GRID_ABOVE_UNITS } from "../src/compare.js";
import { bands } from "../src/compare-grid.js";
import { formatScore, importanceOrder, wordScores } from "../src/scores.js";
import {
  SCORES,
  WORD_INDEX,
  WORDS,
  backgrounds,
  makeEvaluation,
  makeExplanation,
  mount,
  setValue,
  window,
} from "../testing/helpers.js";

const open = (overrides = {}) => mount({ view: "compare", ...overrides });
const words = (name) => wordScores(Float32Array.from(SCORES[name]), WORD_INDEX, WORDS.length);

test("one row per compared method, with its own token spans", () => {
  const { $, $$ } = open();
  const compare = $('[data-testid="ne-compare"]');
  assert.ok(!compare.closest(".ne-panel").hidden);
  assert.deepEqual(
    $$(".ne-compare-name").map((n) => n.textContent),
    ["integrated_gradients", "grad_norm", "attention"],
  );
  assert.equal($$('[data-testid="ne-compare-token"]').length, 3 * WORDS.length);
  assert.equal(compare.querySelectorAll('[data-testid="ne-token"]').length, 0);
  const row = $$(".ne-compare-row")[1];
  assert.deepEqual(
    [...row.querySelectorAll('[data-testid="ne-compare-token"]')].map((s) => s.getAttribute("data-score")),
    [...words("grad_norm")].map(String),
  );
});

test("an empty `compare` shows every computed method; the checkboxes set it", () => {
  const { $$, model } = open({ compare: [] });
  assert.equal($$(".ne-compare-row").length, 3);
  const boxes = $$(".ne-choice input");
  assert.ok(boxes.every((b) => b.checked));
  setValue(boxes[2], false);
  assert.deepEqual(model.state.compare, ["integrated_gradients", "grad_norm"]);
  assert.equal($$(".ne-compare-row").length, 2);
});

test("the last checked method cannot be unchecked", () => {
  const { $$, model } = open({ compare: ["grad_norm"] });
  const box = $$(".ne-choice input")[1];
  setValue(box, false);
  assert.ok(box.checked);
  assert.deepEqual(model.state.compare, ["grad_norm"]);
});

test("top-k leaves units outside each method's top k % uncoloured", () => {
  const { $, $$, model } = open();
  const compare = $('[data-testid="ne-compare"]');
  assert.ok(backgrounds(compare, "ne-compare-token").every((b) => b !== ""));
  model.set("top_k", 40); // k = round(5 · 0.4) = 2 words per method
  const coloured = $$(".ne-compare-row").map((row) =>
    [...row.querySelectorAll('[data-testid="ne-compare-token"]')].map((s) => s.style.backgroundColor !== ""),
  );
  assert.deepEqual(coloured[0], [false, false, false, true, true]); // IG: unbelievably 0.7, good 0.6
  assert.deepEqual(coloured[1], [false, false, false, true, true]); // grad_norm: good 0.9, unbelievably 0.6
  assert.deepEqual(coloured[2], [true, false, false, true, false]); // attention: unbelievably 0.2, then "the" 0.1 (ties: text order)
  setValue(compare.querySelector('input[type="range"]'), 20, "input");
  assert.equal(model.state.top_k, 20);
});

test("the agreement table has tau-b and top-k overlap for every pair", () => {
  const { $, model } = open();
  const table = $('[data-testid="ne-agreement"]');
  const cells = [...table.querySelectorAll("td[data-tau]")];
  assert.equal(cells.length, 6); // 3 methods: 3 pairs, each in both triangles
  const pair = cells.find(
    (c) => c.getAttribute("data-methods") === JSON.stringify(["integrated_gradients", "grad_norm"]),
  );
  // one method is unsigned, so tau-b compares |score|
  const expected = kendallTauB(words("integrated_gradients").map(Math.abs), words("grad_norm"));
  assert.equal(Number(pair.getAttribute("data-tau")), expected);
  assert.match(pair.title, new RegExp(`τ_b = ${expected.toFixed(3)}`));
  model.set("top_k", 40);
  const again = [...table.querySelectorAll("td[data-tau]")].find(
    (c) => c.getAttribute("data-methods") === pair.getAttribute("data-methods"),
  );
  const overlap = topKOverlap(importanceOrder(words("integrated_gradients")), importanceOrder(words("grad_norm")), 2);
  assert.equal(Number(again.getAttribute("data-overlap")), overlap);
  assert.equal(overlap, 1);
});

test("tau-b uses signed scores when both methods are signed", () => {
  const results = [
    {
      name: "a",
      family: "x",
      signed: true,
      scores: [0, 1, -2, 3, 0.5, 0, 0, 0.25, 0],
      params: {},
      seconds: 0,
      info: {},
    },
    {
      name: "b",
      family: "x",
      signed: true,
      scores: [0, -1, 2, 3, 0.5, 0, 0, 0.25, 0],
      params: {},
      seconds: 0,
      info: {},
    },
  ];
  const { $ } = open({ explanation: makeExplanation({ results }), level: "token" });
  const cell = $('[data-testid="ne-agreement"] td[data-tau]');
  const kept = (s) => s.slice(1, 8); // special tokens left out
  assert.equal(Number(cell.getAttribute("data-tau")), kendallTauB(kept(results[0].scores), kept(results[1].scores)));
});

test("with an evaluation the word-level agreement is the kernel's matrix; other levels compute their own", () => {
  const evaluation = makeEvaluation();
  const { $, model } = open({ evaluation });
  const table = $('[data-testid="ne-agreement"]');
  const cellFor = (a, b) =>
    [...table.querySelectorAll("td[data-tau]")].find((c) => c.getAttribute("data-methods") === JSON.stringify([a, b]));
  assert.equal(table.getAttribute("data-source"), "kernel");
  assert.equal(Number(cellFor("integrated_gradients", "grad_norm").getAttribute("data-tau")), 0.5);
  assert.equal(Number(cellFor("integrated_gradients", "attention").getAttribute("data-overlap")), 1 / 3);
  assert.equal(cellFor("grad_norm", "attention").getAttribute("data-tau"), "NaN"); // null: undefined τ
  assert.match(
    $('[data-testid="ne-agreement-caption"]').textContent,
    /From the faithfulness evaluation.*top-3 overlap/,
  );
  model.set("level", "token");
  assert.equal(table.getAttribute("data-source"), "browser");
  assert.match(
    $('[data-testid="ne-agreement-caption"]').textContent,
    /^Point at a cell to read its value. Upper triangle/,
  );
  model.set("level", "word");
  model.set("evaluation", {});
  assert.equal(table.getAttribute("data-source"), "browser");
  const expected = kendallTauB(words("integrated_gradients").map(Math.abs), words("grad_norm"));
  assert.equal(Number(cellFor("integrated_gradients", "grad_norm").getAttribute("data-tau")), expected);
});

test("every row carries its own scale: the largest |score| its full colour stands for", () => {
  const { $$ } = open();
  const scales = $$('[data-testid="ne-compare-scale"]');
  assert.equal(scales.length, 3);
  for (const [i, name] of ["integrated_gradients", "grad_norm", "attention"].entries()) {
    const max = Math.max(...[...words(name)].map(Math.abs));
    assert.match(scales[i].title, new RegExp(`= ${formatScore(max).replace(/[.+]/g, "\\$&")}$`));
    assert.ok(scales[i].querySelector(".ne-compare-swatch").style.background.includes("gradient"));
  }
});

/** An explanation of `n` one-token words ("w0 … w{n-1}" between [CLS] and [SEP]) by `methods`
 * methods, method m scoring word i as sin(i + m) (signed) so every method has its own order. */
function longExplanation(n, methods) {
  const words = Array.from({ length: n }, (_, i) => `w${i}`);
  const results = Array.from({ length: methods }, (_, m) => ({
    name: `method_${m}`,
    family: "gradient",
    signed: true,
    scores: [0, ...words.map((_, i) => Math.sin(i + m)), 0],
    params: {},
    seconds: 0,
    info: {},
  }));
  return makeExplanation({
    results,
    tokens: ["[CLS]", ...words, "[SEP]"],
    words,
    text: words.join(" "),
    wordIndex: [-1, ...words.map((_, i) => i), -1],
    special: [1, ...words.map(() => 0), 1],
  });
}

test("bands cover every unit once, none wider than 180 units", () => {
  for (const n of [1, 60, 180, 181, 512, 1000]) {
    const ranges = bands(n);
    assert.equal(ranges[0][0], 0);
    assert.equal(ranges.at(-1)[1], n);
    for (let i = 1; i < ranges.length; i++) assert.equal(ranges[i][0], ranges[i - 1][1]);
    assert.ok(ranges.every(([a, b]) => b - a <= 180 && b > a));
  }
  assert.equal(bands(512).length, 3);
});

test("a long text opens Compare as the grid: one cell per method and word, top-k coloured", () => {
  const n = GRID_ABOVE_UNITS + 40;
  const { $, $$, model } = open({ explanation: longExplanation(n, 4), compare: [], top_k: 10 });
  const grid = $('[data-testid="ne-compare-grid"]');
  assert.ok(!grid.closest(".ne-grid-view").hidden && $(".ne-compare-rows").hidden);
  assert.equal($$('[data-testid="ne-compare-token"]').length, 0);
  const cells = $$(".ne-grid-cell");
  assert.equal(cells.length, 4 * n);
  for (let m = 0; m < 4; m++) {
    const row = cells.filter((c) => c.getAttribute("data-row") === String(m));
    row.sort((a, b) => Number(a.getAttribute("data-index")) - Number(b.getAttribute("data-index")));
    const expected = Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i + m)));
    assert.deepEqual(
      row.map((c) => Number(c.getAttribute("data-score"))),
      expected,
    );
    // top 10 %: the n/10 words of largest |sin|, and only they, are coloured
    const k = Math.round(n / 10);
    const top = new Set(importanceOrder(Float64Array.from(expected)).slice(0, k));
    assert.deepEqual(
      row.map((c) => c.style.backgroundColor !== ""),
      expected.map((_, i) => top.has(i)),
    );
  }
  // pointing at a cell names it; clicking opens that method in the heatmap
  const cell = cells.find((c) => c.getAttribute("data-row") === "2" && c.getAttribute("data-index") === "5");
  cell.dispatchEvent(new window.MouseEvent("mouseover", { bubbles: true }));
  assert.match(
    $(".ne-grid-readout").textContent,
    new RegExp(`^method_2 · “w5” \\(word 6 of ${n}\\) · score ${formatScore(Math.fround(Math.sin(7)))}`),
  );
  cell.dispatchEvent(new window.MouseEvent("click", { bubbles: true }));
  assert.equal(model.state.method, "method_2");
  assert.equal(model.state.view, "heatmap");
});

test("the layout buttons switch between grid and text rows, and the choice stays", () => {
  const { $, $$, model } = open({ explanation: longExplanation(GRID_ABOVE_UNITS + 1, 2), compare: [] });
  const button = (name) => $(`[data-layout="${name}"]`);
  assert.equal(button("grid").getAttribute("aria-pressed"), "true");
  button("rows").click();
  assert.equal(button("rows").getAttribute("aria-pressed"), "true");
  assert.ok($('[data-testid="ne-compare-grid"]').closest(".ne-grid-view").hidden);
  assert.equal($$(".ne-compare-row").length, 2);
  model.set("explanation", longExplanation(GRID_ABOVE_UNITS + 5, 2));
  assert.equal($$(".ne-compare-row").length, 2);
  assert.equal(button("rows").getAttribute("aria-pressed"), "true");
});

test("a short text opens Compare as text rows", () => {
  const { $ } = open();
  assert.equal($('[data-layout="rows"]').getAttribute("aria-pressed"), "true");
  assert.ok($('[data-testid="ne-compare-grid"]').closest(".ne-grid-view").hidden);
});

test("the agreement matrix is colour only, with each value on hover", () => {
  const { $, $$ } = open();
  const cells = $$('[data-testid="ne-agreement"] td[data-tau]');
  assert.ok(cells.every((c) => c.textContent === "" && c.style.backgroundColor !== ""));
  assert.deepEqual(
    $$('[data-testid="ne-agreement"] thead th').map((th) => th.textContent),
    ["", "1", "2", "3"],
  );
  cells[0].dispatchEvent(new window.MouseEvent("mouseover", { bubbles: true }));
  assert.equal($(".ne-agreement-readout").textContent, cells[0].title);
  assert.match(cells[0].title, /τ_b = .*top-\d+ overlap = \d+ %/);
});
