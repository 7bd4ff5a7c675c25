import assert from "node:assert/strict";
import test from "node:test";
import {
  SCORES,
  TOKENS,
  WORDS,
  backgrounds,
  makeExplanation,
  mount,
  press,
  setValue,
  tokenScores,
} from "../testing/helpers.js";

const f32 = (values) => [...Float32Array.from(values)];

test("one span per word, scored by the float64 sum of its float32 token scores", () => {
  const { $$ } = mount();
  const spans = $$('[data-testid="ne-token"]');
  assert.deepEqual(
    spans.map((s) => s.textContent),
    WORDS,
  );
  assert.deepEqual(
    spans.map((s) => s.getAttribute("data-index")),
    ["0", "1", "2", "3", "4"],
  );
  const t = f32(SCORES.integrated_gradients);
  const expected = [t[1], t[2], t[3], t[4] + t[5] + t[6], t[7]].map(String);
  assert.deepEqual(tokenScores(spans[0].parentNode), expected);
});

test("token level shows every token, special ones included, with the exact float32 scores", () => {
  const { $$, $ } = mount({ level: "token" });
  const spans = $$('[data-testid="ne-token"]');
  assert.deepEqual(
    spans.map((s) => s.textContent),
    TOKENS,
  );
  assert.deepEqual(tokenScores($(".ne-heatmap")), f32(SCORES.integrated_gradients).map(String));
  assert.ok(spans[0].classList.contains("ne-special"));
  assert.equal(spans[0].style.backgroundColor, ""); // special tokens stay uncoloured
});

test("the level toggle switches units and clears the selection", () => {
  const { $$, model } = mount({ selected_token: 2 });
  const tokenButton = $$(".ne-toggle").find((b) => b.getAttribute("data-level") === "token");
  tokenButton.click();
  assert.equal(model.state.level, "token");
  assert.equal(model.state.selected_token, -1);
  assert.equal($$('[data-testid="ne-token"]').length, TOKENS.length);
  assert.equal(tokenButton.getAttribute("aria-pressed"), "true");
});

test("colours follow the method's own scale: the largest |score| gets the scale's end", () => {
  const { $$ } = mount();
  const spans = $$('[data-testid="ne-token"]');
  assert.equal(spans[3].style.backgroundColor, "rgb(179, 88, 6)"); // "unbelievably": max, positive
  assert.equal(spans[3].style.color, "#fff");
  assert.match(spans[3].getAttribute("title"), /^unbelievably\nscore 0\.7000\nrank 1 of 5 by \|score\|$/);
});

test("toggling the method recolours the same spans and saves the trait", () => {
  const { $, model } = mount();
  const heatmap = $(".ne-heatmap");
  const spansBefore = [...heatmap.querySelectorAll('[data-testid="ne-token"]')];
  const before = backgrounds(heatmap);
  const select = $('[data-testid="ne-method-select"]');
  assert.deepEqual(
    [...select.options].map((o) => o.value),
    ["integrated_gradients", "grad_norm", "attention"],
  );
  const saves = model.saves;
  setValue(select, "grad_norm");
  assert.equal(model.state.method, "grad_norm");
  assert.ok(model.saves > saves);
  const spansAfter = [...heatmap.querySelectorAll('[data-testid="ne-token"]')];
  assert.ok(
    spansAfter.every((s, i) => s === spansBefore[i]),
    "spans are kept, not rebuilt",
  );
  assert.notDeepEqual(backgrounds(heatmap), before);
  assert.equal(spansAfter[4].style.backgroundColor, "rgb(63, 0, 125)"); // unsigned: purple at the max
});

test("arrow keys on the widget cycle through the methods and wrap around", () => {
  const { $, model } = mount();
  const root = $(".ne-root");
  press(root, "ArrowRight");
  assert.equal(model.state.method, "grad_norm");
  press(root, "ArrowDown");
  assert.equal(model.state.method, "attention");
  press(root, "ArrowRight");
  assert.equal(model.state.method, "integrated_gradients");
  const event = press(root, "ArrowLeft");
  assert.equal(model.state.method, "attention");
  assert.ok(event.defaultPrevented);
  press(root, "ArrowUp");
  assert.equal(model.state.method, "grad_norm");
  assert.equal($('[data-testid="ne-method-select"]').value, "grad_norm");
});

test("arrow keys inside a form control are left alone", () => {
  const { $, model } = mount();
  press($(".ne-text"), "ArrowRight");
  assert.equal(model.state.method, "integrated_gradients");
});

test("units below the threshold stay uncoloured", () => {
  const { $, model } = mount();
  const heatmap = $(".ne-heatmap");
  assert.ok(backgrounds(heatmap).every((b) => b !== ""));
  model.set("threshold", 0.5); // keeps |s| / 0.7 ≥ 0.5: "unbelievably" (1) and "good" (0.857)
  assert.deepEqual(
    backgrounds(heatmap).map((b) => b !== ""),
    [false, false, false, true, true],
  );
  setValue(heatmap.querySelector('input[type="range"]'), 0.9, "input");
  assert.equal(model.state.threshold, 0.9);
  assert.deepEqual(
    backgrounds(heatmap).map((b) => b !== ""),
    [false, false, false, true, false],
  );
});

test("the legend shows −max, 0 and +max (0 and max when unsigned)", () => {
  const { $, model } = mount();
  const labels = () => [...$(".ne-legend-labels").children].map((s) => s.textContent);
  assert.deepEqual(labels(), ["−0.7000", "0", "+0.7000"]);
  const words = () => [...$('[data-testid="ne-legend-words"]').children].map((s) => s.textContent);
  assert.deepEqual(words(), ["← against “positive”", "for “positive” →"]); // the ends, in words
  model.set("method", "grad_norm");
  assert.deepEqual(labels(), ["0", "0.9000"]); // words: max is "good"
  assert.deepEqual(words(), ["less important", "more important →"]);
});

test("clicking a unit selects it and asks the kernel for its influence", () => {
  const { $$, model } = mount();
  $$('[data-testid="ne-token"]')[1].click();
  assert.equal(model.state.selected_token, 1);
  assert.deepEqual(model.sent, [{ type: "token_influence", index: 1, level: "word" }]);
  assert.ok($$('[data-testid="ne-token"]')[1].classList.contains("ne-selected"));
  assert.match($$(".ne-detail")[0].textContent, /^movie · score/);
});

test("without a kernel a click selects but sends nothing", () => {
  const { $$, model } = mount({ editable: false });
  $$('[data-testid="ne-token"]')[2].click();
  assert.equal(model.state.selected_token, 2);
  assert.deepEqual(model.sent, []);
});

// "the movie" | "was unbelievably good" as phrases, one clause over everything
const SPAN_LEVELS = {
  phrase: [
    [0, 2],
    [2, 5],
  ],
  clause: [[0, 5]],
};

test("phrase and clause levels show one unit per span, scored by the sum of its word scores", () => {
  const { $$, model } = mount({
    level: "phrase",
    explanation: makeExplanation({ span_levels: SPAN_LEVELS, span_source: "sst" }),
  });
  const spans = $$('[data-testid="ne-token"]');
  assert.deepEqual(
    spans.map((s) => s.textContent),
    ["the movie", "was unbelievably good"],
  );
  const t = f32(SCORES.integrated_gradients);
  const words = [t[1], t[2], t[3], t[4] + t[5] + t[6], t[7]];
  assert.deepEqual(tokenScores(spans[0].parentNode), [words[0] + words[1], words[2] + words[3] + words[4]].map(String));
  const phraseButton = $$(".ne-toggle").find((b) => b.getAttribute("data-level") === "phrase");
  assert.equal(phraseButton.hidden, false);
  assert.equal(phraseButton.getAttribute("aria-pressed"), "true");
  assert.match(phraseButton.title, /SST parse tree/);
  spans[1].click(); // a span is not a token: no token-influence request
  assert.deepEqual(model.sent, []);
});

test("a method's own span scores (REAT's span_scores) replace the summed word scores", () => {
  const results = [
    {
      name: "integrated_gradients",
      family: "gradient",
      signed: true,
      scores: SCORES.integrated_gradients,
      params: {},
      seconds: 0,
      span_scores: { clause: [1.25] },
    },
  ];
  const { $$ } = mount({ level: "clause", explanation: makeExplanation({ results, span_levels: SPAN_LEVELS }) });
  const spans = $$('[data-testid="ne-token"]');
  assert.deepEqual(
    spans.map((s) => s.textContent),
    ["the movie was unbelievably good"],
  );
  assert.deepEqual(tokenScores(spans[0].parentNode), ["1.25"]);
});

test("without spans the phrase and clause buttons are hidden and a span level falls back to words", () => {
  const { $$, model } = mount({ level: "clause" });
  assert.equal($$('[data-testid="ne-token"]').length, WORDS.length);
  const hidden = $$(".ne-toggle")
    .filter((b) => b.hidden)
    .map((b) => b.getAttribute("data-level"));
  assert.deepEqual(hidden, ["phrase", "clause"]);
  assert.equal(model.state.level, "clause"); // the trait is kept for the next explanation
});

test("a method whose scores are all ≈ 0 colours nothing and says so", () => {
  const noise = SCORES.integrated_gradients.map((v) => v * 1e-8);
  const explanation = makeExplanation({
    results: [
      { name: "saliency_sum", family: "gradient", signed: true, scores: noise, params: {}, seconds: 0, info: {} },
    ],
  });
  const { $, $$ } = mount({ explanation, method: "saliency_sum", compare: ["saliency_sum"] });
  const note = $('[data-testid="ne-zero-note"]');
  assert.ok(!note.hidden);
  assert.match(note.textContent, /Every saliency_sum score is ≈ 0 here \(largest \|score\| 7\.0e-9\)/);
  assert.ok($$('[data-testid="ne-token"]').every((span) => !span.style.backgroundColor));
  const normal = mount();
  assert.ok(normal.$('[data-testid="ne-zero-note"]').hidden);
});

test("a truncated text shows where the cut fell, after the last explained unit", () => {
  const { $, model } = mount();
  assert.ok($('[data-testid="ne-truncation"]').hidden);
  model.set("explanation", { ...model.get("explanation"), truncated_tokens: 37 });
  const mark = $('[data-testid="ne-truncation"]');
  assert.ok(!mark.hidden);
  assert.match(mark.textContent, /37 more tokens/);
  const tokens = $(".ne-heatmap-tokens");
  assert.equal(tokens.nextElementSibling, mark); // right after the units
});
