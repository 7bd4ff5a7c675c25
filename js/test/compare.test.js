import assert from "node:assert/strict";
import test from "node:test";
import { kendallTauB, topKOverlap } from "../src/agreement.js";
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
  assert.equal(pair.textContent, expected.toFixed(2));
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
  assert.match(table.nextElementSibling.textContent, /From the faithfulness evaluation.*top-3 overlap/);
  model.set("level", "token");
  assert.equal(table.getAttribute("data-source"), "browser");
  assert.match(table.nextElementSibling.textContent, /^Upper triangle/);
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
