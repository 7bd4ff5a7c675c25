import assert from "node:assert/strict";
import test from "node:test";
import { hierarchyLevels } from "../src/hierarchy.js";
import { prepareExplanation } from "../src/explanation.js";
import { WORDS, makeExplanation, mount } from "../testing/helpers.js";

// HEDGE's record for the five words: the whole input, then one split per level
const HIERARCHY = [
  [[0, 5, 0.9]],
  [[0, 3, 0.1], [3, 5, 0.8]],
  [[0, 3, 0.1], [3, 4, 0.5], [4, 5, 0.6]],
  [[0, 1, -0.05], [1, 3, 0.2], [3, 4, 0.5], [4, 5, 0.6]],
  [[0, 1, -0.05], [1, 2, 0.15], [2, 3, 0.05], [3, 4, 0.5], [4, 5, 0.6]],
];

const hedge = (hierarchy = HIERARCHY) => ({
  name: "hedge",
  family: "perturbation",
  signed: true,
  scores: [0, -0.05, 0.15, 0.05, 0.2, 0.2, 0.1, 0.6, 0],
  params: {},
  seconds: 0.5,
  info: { hierarchy },
});

const open = (explanation) => mount({ view: "hierarchy", explanation, method: explanation.results[0].name });
const segments = ($$) => $$(".ne-hierarchy-row").map((row) => [...row.children].map((s) => s.textContent));

test("a method's own hierarchy is drawn top to bottom, each segment coloured by its score", () => {
  const { $, $$ } = open(makeExplanation({ results: [hedge()] }));
  assert.deepEqual(segments($$)[0], ["the movie was unbelievably good"]);
  assert.deepEqual(segments($$).at(-1), WORDS);
  assert.equal($$(".ne-hierarchy-row").length, 5);
  const strongest = $('[data-start="0"][data-end="5"]');
  assert.equal(strongest.getAttribute("data-score"), "0.9");
  assert.match(strongest.style.backgroundColor, /rgb/); // painted at the scale's full strength
  assert.equal(strongest.style.flexGrow, "5"); // as wide as its words
  assert.match($('[data-testid="ne-hierarchy-source"]').textContent, /hedge's own hierarchy: 5 levels/);
});

test("hover names a segment's words and score; a click marks it and its words", () => {
  const { $, $$ } = open(makeExplanation({ results: [hedge()] }));
  const phrase = $('[data-start="3"][data-end="5"]');
  phrase.dispatchEvent(new phrase.ownerDocument.defaultView.MouseEvent("mouseover", { bubbles: true }));
  assert.match($('[data-testid="ne-hierarchy-detail"]').textContent, /“unbelievably good” \(words 4–5\): \+?0\.8\d* for “positive”/);
  phrase.click();
  const marked = $$(".ne-selected").map((s) => [s.getAttribute("data-start"), s.getAttribute("data-end")].join("-"));
  assert.ok(marked.includes("3-5"));
  assert.deepEqual(
    $$(".ne-hierarchy-row").at(-1).querySelectorAll(".ne-selected").length,
    2, // "unbelievably" and "good" in the word row
  );
});

test("without a hierarchy of its own, a method is shown over the span levels", () => {
  const raw = makeExplanation({
    span_levels: { clause: [[0, 5]], phrase: [[0, 2], [2, 3], [3, 5]] },
  });
  const exp = prepareExplanation(raw);
  const { rows, source } = hierarchyLevels(exp, exp.results[0]);
  assert.equal(source, "spans");
  assert.deepEqual(
    rows.map((row) => row.map((s) => [s.start, s.end])),
    [[[0, 5]], [[0, 2], [2, 3], [3, 5]], [[0, 1], [1, 2], [2, 3], [3, 4], [4, 5]]],
  );
  // a span's score is its words' sum when the method gives no span scores of its own
  const words = rows[2].map((s) => s.score);
  assert.ok(Math.abs(rows[0][0].score - words.reduce((a, b) => a + b, 0)) < 1e-6);
});

test("a malformed hierarchy in a record falls back to the span levels instead of drawing nonsense", () => {
  const exp = prepareExplanation(makeExplanation({ results: [hedge([[[0, 99, 1]]])] }));
  assert.equal(hierarchyLevels(exp, exp.results[0]).source, "spans");
});

test("text from the record is inserted as text, never as HTML", () => {
  const raw = makeExplanation({ results: [hedge()] });
  raw.words = ["<img src=x onerror=alert(1)>", ...WORDS.slice(1)];
  const { $$ } = open(raw);
  assert.equal($$(".ne-hierarchy img").length, 0);
  assert.match(segments($$).at(-1)[0], /^<img/);
});
