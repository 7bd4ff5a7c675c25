import assert from "node:assert/strict";
import test from "node:test";
import { makeExplanation, mount, setValue } from "../testing/helpers.js";

const open = (overrides = {}) =>
  mount({ view: "reduction", explanation: makeExplanation({ reduction: true }), ...overrides });

test("step 0 shows the full input with its probability", () => {
  const { $ } = open();
  const step = $('[data-testid="ne-reduction-step"]');
  assert.equal(step.getAttribute("data-step"), "0");
  assert.equal(Number(step.getAttribute("data-probability")), 0.97);
  assert.equal(step.querySelectorAll("s").length, 0);
  assert.equal(step.querySelectorAll(".ne-tok").length, 7); // special tokens left out
  assert.match(step.textContent, /the full input · p\(positive\) = 0\.970 · predicted positive/);
  const slider = $('[data-testid="ne-reduction-slider"]');
  assert.equal(slider.getAttribute("min"), "0");
  assert.equal(slider.getAttribute("max"), "3");
});

test("the slider changes the displayed step: removed tokens struck, this step's highlighted", () => {
  const { $, model } = open();
  setValue($('[data-testid="ne-reduction-slider"]'), 2, "input");
  assert.equal(model.state.reduction_step, 2);
  const step = $('[data-testid="ne-reduction-step"]');
  assert.equal(step.getAttribute("data-step"), "2");
  assert.equal(Number(step.getAttribute("data-probability")), 0.95);
  assert.deepEqual(
    [...step.querySelectorAll("s")].map((s) => s.textContent),
    ["the", "was"],
  );
  assert.equal(step.querySelector(".ne-removed-now").textContent, "the");
  assert.match(step.textContent, /removed “the”/);
});

test("the step trait is clamped to the steps there are", () => {
  const { $ } = open({ reduction_step: 99 });
  assert.equal($('[data-testid="ne-reduction-step"]').getAttribute("data-step"), "3");
  assert.match($(".ne-reduction").textContent, /Final reduced input: unbelievably good$/);
});

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

test("play advances a step every 600 ms and stops at the last step", async () => {
  const { $, model, cleanup } = open({ reduction_step: 1 });
  const play = $(".ne-play");
  play.click();
  assert.match(play.textContent, /Pause/);
  await wait(650);
  assert.equal(model.state.reduction_step, 2);
  await wait(600);
  assert.equal(model.state.reduction_step, 3);
  assert.match(play.textContent, /Play/); // stopped by itself at the end
  play.click(); // from the end, play starts over
  assert.equal(model.state.reduction_step, 0);
  cleanup(); // and cleanup clears the timer
  await wait(650);
  assert.equal(model.state.reduction_step, 0);
});

test("pause stops the animation", async () => {
  const { $, model, cleanup } = open();
  const play = $(".ne-play");
  play.click();
  play.click();
  assert.match(play.textContent, /Play/);
  await wait(650);
  assert.equal(model.state.reduction_step, 0);
  cleanup();
});

test("without input_reduction: an empty state whose button adds it", () => {
  const { $, model } = mount({ view: "reduction" });
  assert.match($(".ne-reduction .ne-empty").textContent, /add input_reduction to the methods/);
  assert.ok($(".ne-reduction .ne-empty").querySelector("button") !== null);
  $(".ne-reduction .ne-empty button").click();
  assert.deepEqual(Object.keys(model.sent[0].methods).at(-1), "input_reduction");
  assert.equal(model.sent[0].type, "explain");
});

test("the empty state's button is disabled without a kernel", () => {
  const { $, model } = mount({ view: "reduction", editable: false });
  const button = $(".ne-reduction .ne-empty button");
  assert.ok(button.disabled);
  button.click();
  assert.deepEqual(model.sent, []);
});

test("the steps read as words: a word's pieces sit together without '##', special tokens left out", () => {
  const { $ } = open();
  const step = $('[data-testid="ne-reduction-step"]');
  const words = [...step.querySelectorAll(".ne-word")].map((w) => w.textContent);
  assert.deepEqual(words, ["the", "movie", "was", "unbelievably", "good"]);
  assert.equal(step.querySelectorAll(".ne-word")[3].querySelectorAll(".ne-tok").length, 3);
  assert.doesNotMatch(step.textContent, /##|\[CLS\]|\[SEP\]/);
  assert.match(
    $(".ne-reduction").textContent,
    /Final reduced input: believably good|Final reduced input: unbelievably good/,
  );
});

test("a removed piece is named with its word", () => {
  const explanation = makeExplanation({ reduction: true });
  explanation.results.find((r) => r.name === "input_reduction").reduction_steps = [
    { removed: null, remaining: [1, 2, 3, 4, 5, 6, 7], probability: 0.97, label: 1 },
    { removed: 5, remaining: [1, 2, 3, 4, 6, 7], probability: 0.96, label: 1 },
  ];
  const { $ } = mount({ view: "reduction", explanation, reduction_step: 1 });
  assert.match($('[data-testid="ne-reduction-step"]').textContent, /removed “believ” \(of “unbelievably”\)/);
});
