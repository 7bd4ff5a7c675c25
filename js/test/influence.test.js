import assert from "node:assert/strict";
import test from "node:test";
import { mount, window } from "../testing/helpers.js";

const item = (index, label, score, text, words, wordScores) => ({
  index,
  text,
  label,
  score,
  words,
  word_scores: wordScores,
});

test("the empty state shows the kernel's message", () => {
  const { $, $$ } = mount({ view: "influence", influence: { status: "empty", message: "Build an index first." } });
  assert.equal($(".ne-influence").textContent, "Build an index first.");
  assert.equal($$('[data-testid="ne-influence-item"]').length, 0);
});

test("ready: proponents and opponents, ranked, with labels, scores and highlighted texts", () => {
  const influence = {
    status: "ready",
    method: "tracin",
    sign_note: "Positive: pushes towards the prediction.",
    test_token: null,
    proponents: [
      item(12, 1, 0.8, "a great film", ["a", "great", "film"], [0, 0.9, 0.1]),
      item(40, "positive", 0.4, "fine", ["fine"], [0.2]),
    ],
    opponents: [item(7, 0, -0.6, "dull", ["dull"], [-0.5])],
  };
  const { $, $$, model } = mount({ view: "influence" });
  model.set("influence", influence);
  const items = $$('[data-testid="ne-influence-item"]');
  assert.equal(items.length, 3);
  assert.deepEqual(
    items.map((i) => i.querySelector(".ne-rank").textContent),
    ["#1", "#2", "#1"],
  );
  assert.deepEqual(
    items.map((i) => i.querySelector(".ne-badge").textContent),
    ["positive", "positive", "negative"],
  );
  assert.equal(items[0].querySelector(".ne-number").textContent, "0.8000");
  assert.equal(items[0].querySelector(".ne-meter-fill").style.width, "100%");
  assert.equal(items[0].querySelectorAll(".ne-tok").length, 3);
  assert.equal(items[0].querySelectorAll(".ne-tok")[1].style.backgroundColor, "rgb(179, 88, 6)");
  assert.equal(items[2].closest(".ne-opponents") !== null, true);
  assert.equal($(".ne-influence").textContent.split("Positive: pushes").length, 2); // sign note once
});

test("the method switch asks the kernel for another ranking; a token query names the token", () => {
  const influence = {
    status: "ready",
    method: "influence_function",
    methods: ["influence_function", "tracin", "knn"],
    sign_note: "",
    test_token: 4,
    conformity: 0.8,
    proponents: [],
    opponents: [],
  };
  const { $, model } = mount({ view: "influence", influence });
  const select = $('[data-testid="ne-influence-method"]');
  assert.deepEqual(
    [...select.options].map((o) => o.value),
    ["", "influence_function", "tracin", "knn"],
  );
  assert.equal(select.selectedOptions[0].textContent, "(the clicked token)"); // not blank
  assert.match($(".ne-influence").textContent, /saliency of “un”/);
  assert.match($(".ne-influence").textContent, /conformity 80%/);
  select.value = "knn";
  select.dispatchEvent(new window.Event("change"));
  assert.deepEqual(model.sent, [{ type: "influence", method: "knn" }]);
});

test("the method select is enabled again after each switch, even when no new ranking comes", () => {
  const influence = {
    status: "ready",
    method: "influence_function",
    methods: ["influence_function", "tracin", "knn"],
    test_token: null,
    proponents: [],
    opponents: [],
  };
  const { $, model } = mount({ view: "influence", influence });
  for (const method of ["tracin", "knn", "influence_function"]) {
    const select = $('[data-testid="ne-influence-method"]');
    assert.ok(!select.disabled, `before switching to ${method}`);
    select.value = method;
    select.dispatchEvent(new window.Event("change"));
    model.set("busy", true);
    assert.ok($('[data-testid="ne-influence-method"]').disabled);
    model.set("busy", false); // e.g. the kernel answered with an error: the panel stays as it was
    assert.ok(!$('[data-testid="ne-influence-method"]').disabled, `after switching to ${method}`);
  }
  assert.deepEqual(
    model.sent.map((m) => m.method),
    ["tracin", "knn", "influence_function"],
  );
});

test("the ranking's meaning reads in plain words, with the formula on hover", () => {
  const formula = "score = ∇L(test)ᵀ H⁻¹ ∇L(z): positive means removing z raises the test loss.";
  const plain = "Proponents: training examples without which the model would be less sure.";
  const { $, model } = mount({ view: "influence" });
  const ready = { status: "ready", method: "influence_function", proponents: [], opponents: [] };
  model.set("influence", { ...ready, sign_note: formula, hint: plain });
  const hint = $('[data-testid="ne-influence-hint"]');
  assert.equal(hint.textContent, plain);
  assert.equal(hint.getAttribute("title"), formula);
  model.set("influence", { ...ready, sign_note: formula }); // an older kernel: no plain words
  assert.equal($('[data-testid="ne-influence-hint"]').textContent, formula);
});

test("a stale ranking is asked for when the panel opens, once, and not while it is closed", () => {
  const stale = { status: "stale", method: "tracin", message: "Ranking the training examples for this text…" };
  const { $, model } = mount({ view: "heatmap", influence: stale });
  assert.deepEqual(model.sent, []);
  model.set("view", "influence");
  assert.deepEqual(model.sent, [{ type: "influence", method: "tracin" }]);
  assert.match($(".ne-influence").textContent, /Ranking the training examples/);
  model.set("threshold", 0.1); // another update: no second request
  assert.equal(model.sent.length, 1);
});
