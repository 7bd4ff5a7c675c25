import assert from "node:assert/strict";
import test from "node:test";
import { makeExplanation, mount, setValue } from "../testing/helpers.js";

test("the error trait is shown and dismissed", () => {
  const { $, model } = mount();
  const error = $('[data-testid="ne-error"]');
  assert.ok(error.hidden);
  model.set("error", "integrated_gradients: n_steps=0 is outside [1, 512].");
  assert.ok(!error.hidden);
  assert.match(error.textContent, /n_steps=0 is outside/);
  error.querySelector("button").click();
  assert.equal(model.state.error, "");
  assert.ok(error.hidden);
});

test("while busy: the progress text shows and the buttons are disabled", () => {
  const { $, $$, model } = mount();
  const busy = $('[data-testid="ne-busy"]');
  assert.ok(busy.hidden);
  model.set("status", "Running integrated_gradients (1/3)…");
  model.set("busy", true);
  assert.ok(!busy.hidden);
  assert.match(busy.textContent, /Running integrated_gradients \(1\/3\)/);
  const run = $$("button").find((b) => b.textContent === "Run");
  assert.ok(run.disabled);
  assert.ok($$("button").find((b) => b.textContent === "Recompute").disabled);
  assert.ok($(".ne-target").disabled);
  run.click();
  assert.deepEqual(model.sent, []);
  model.set("busy", false);
  assert.ok(busy.hidden);
  assert.ok(!run.disabled);
});

test("while busy, Cancel asks the kernel to stop; a display-only widget has no Cancel", () => {
  const { $, model } = mount();
  const cancel = $('[data-testid="ne-cancel"]');
  cancel.click(); // nothing runs yet: nothing to cancel
  assert.deepEqual(model.sent, []);
  model.set("busy", true);
  assert.ok(!$('[data-testid="ne-busy"]').hidden && !cancel.hidden && !cancel.disabled);
  cancel.click();
  assert.deepEqual(model.sent, [{ type: "cancel" }]);

  const shown = mount({ editable: false });
  shown.model.set("busy", true);
  assert.ok(shown.$('[data-testid="ne-cancel"]').hidden);
});

test("Run sends the edited text; a new text explains its own prediction", () => {
  const { $, $$, model } = mount();
  const textarea = $("textarea");
  assert.equal(textarea.value, "the movie was unbelievably good");
  $$("button")
    .find((b) => b.textContent === "Run")
    .click();
  textarea.value = "a dull film";
  $$("button")
    .find((b) => b.textContent === "Run")
    .click();
  assert.deepEqual(
    model.sent.map((m) => [m.type, m.text, m.target]),
    [
      ["explain", "the movie was unbelievably good", 1],
      ["explain", "a dull film", null],
    ],
  );
  assert.deepEqual(model.sent[1].methods, {
    integrated_gradients: { n_steps: 32, baseline: "pad", multiply_by_inputs: true },
    grad_norm: {},
    attention: {},
  });
});

test("the prediction bars show each class, the predicted one marked", () => {
  const { $ } = mount();
  const rows = [...$('[data-testid="ne-prediction"]').children];
  assert.deepEqual(
    rows.map((r) => r.querySelector(".ne-class-name").textContent),
    ["negative", "positive"],
  );
  assert.deepEqual(
    rows.map((r) => r.querySelector(".ne-number").textContent),
    ["0.030", "0.970"],
  );
  assert.ok(rows[1].classList.contains("ne-predicted"));
  assert.ok(!rows[0].classList.contains("ne-predicted"));
  assert.ok(rows[1].classList.contains("ne-explained") && !rows[0].classList.contains("ne-explained"));
  assert.equal(rows[1].querySelector(".ne-meter-fill").style.width, "97.0%");
  assert.match($(".ne-header").textContent, /demo-minilm/);
});

test("the prediction bars are neutral: the heatmap's colours keep one meaning", async () => {
  const { readFile } = await import("node:fs/promises");
  const css = await readFile(new URL("../src/style.css", import.meta.url), "utf8");
  const fills = [...css.matchAll(/\.ne-(predicted|explained|class)[^{]*\.ne-meter[^{]*\{([^}]*)\}/g)];
  assert.ok(fills.length >= 2);
  for (const [, , body] of fills) assert.doesNotMatch(body, /accent|#e08214|#4393c3/);
  const { $, model } = mount();
  model.set("explanation", { ...model.get("explanation"), target: 0 });
  const rows = [...$('[data-testid="ne-prediction"]').children];
  assert.ok(rows[0].classList.contains("ne-explained") && rows[1].classList.contains("ne-predicted"));
});

test("choosing a target class asks the kernel to explain it", () => {
  const { $, model } = mount();
  const target = $(".ne-target");
  assert.equal(target.value, "1");
  setValue(target, 0);
  assert.deepEqual(
    model.sent.map((m) => [m.type, m.target, m.text]),
    [["explain", 0, "the movie was unbelievably good"]],
  );
});

test("the versus select explains the target against another class, and says so", () => {
  const { $, model } = mount();
  const versus = $(".ne-contrast");
  assert.deepEqual(
    [...versus.options].map((o) => o.textContent),
    ["no other class", "negative"], // every class but the target
  );
  setValue(versus, 0);
  assert.deepEqual(
    model.sent.map((m) => [m.type, m.target, m.contrast]),
    [["explain", 1, 0]],
  );
  const state = model.get("explanation");
  model.set("explanation", { ...state, contrast: 0 });
  assert.equal(versus.value, "0");
  assert.match($('[data-testid="ne-target-note"]').textContent, /versus “negative”/);
  assert.match($('[data-testid="ne-legend-words"]').textContent, /for “positive” over “negative”/);
  setValue($(".ne-target"), 0); // the new target is the contrast: the contrast is dropped
  assert.deepEqual(model.sent.at(-1).contrast, null);
});

test("display-only widgets cannot send and say why", () => {
  const { $, model } = mount({ editable: false });
  assert.ok($(".ne-target").disabled);
  assert.ok($("textarea").readOnly);
  assert.match($(".ne-editor .ne-hint").textContent, /Explainer.show/);
  assert.deepEqual(model.sent, []);
});

test("an explanation that cannot be decoded is reported in place of the views", () => {
  const { $ } = mount({
    explanation: {
      tokens: [],
      words: [],
      class_names: [],
      results: [],
      word_index: { dtype: "<f8", shape: [0], b64: "" },
    },
  });
  assert.match($(".ne-placeholder").textContent, /Could not read the explanation: unsupported array dtype "<f8"/);
});

test("a display-only widget or static page shows no control that needs the kernel", () => {
  const visible = (el) => !el.hidden && !el.closest("[hidden]");
  const controls = ($, $$) => ({
    Run: $$("button").find((b) => b.textContent === "Run"),
    Recompute: $$("button").find((b) => b.textContent === "Recompute"),
    "add method": $("select.ne-add-method"),
    Faithfulness: $('[data-testid="ne-evaluate"]'),
    Cancel: $('[data-testid="ne-cancel"]'),
  });
  const shown = mount({ editable: false });
  const live = mount();
  for (const { model } of [shown, live]) model.set("busy", true); // Cancel shows only while busy
  for (const [name, el] of Object.entries(controls(shown.$, shown.$$))) {
    assert.ok(el, `${name} exists`);
    assert.ok(!visible(el), `${name} is shown without a kernel`);
  }
  for (const [name, el] of Object.entries(controls(live.$, live.$$))) {
    assert.ok(visible(el), `${name} is hidden in a live widget`);
  }
  shown.model.set("view", "reduction");
  live.model.set("view", "reduction");
  const compute = ({ $$ }) => $$("button").find((b) => b.textContent === "Compute input reduction");
  assert.ok(!visible(compute(shown)) && visible(compute(live)));
  const tab = ({ $$ }) => $$('[role="tab"]').find((b) => b.textContent === "Training influence");
  assert.ok(tab(shown).hidden && !tab(live).hidden);
  shown.model.set("influence", { status: "ready", method: "knn", proponents: [], opponents: [], test_token: null });
  assert.ok(!tab(shown).hidden); // an exported ranking is still shown
});

test("the header says when the explained class is not the predicted one, or the model is multi-label", () => {
  const { $, model } = mount();
  const note = $('[data-testid="ne-target-note"]');
  assert.ok(note.hidden); // the fixture explains its predicted class
  model.set("explanation", makeExplanation({ target: 0 }));
  assert.ok(!note.hidden);
  assert.match(note.textContent, /not the predicted/);
  model.set("explanation", makeExplanation({ head: "sigmoid" }));
  assert.match(note.textContent, /multi-label/);
  assert.doesNotMatch(note.textContent, /not the predicted/);
});

test("a request the kernel estimates at more than 10 s waits for the user, with its estimate", () => {
  const { $, model } = mount();
  const request = { type: "explain", text: "the movie was unbelievably good", target: 1, confirmed: true };
  model.set("confirm", { seconds: { marginalization: 41.6, lime: 3.2 }, request });
  const bar = $('[data-testid="ne-confirm"]');
  assert.ok(!bar.hidden);
  assert.match(
    bar.textContent,
    /^Computing marginalization, lime for “positive” will take about 45 s on this machine \(marginalization 42 s, lime 3 s\)/,
  );
  $('[data-testid="ne-confirm-run"]').click();
  assert.deepEqual(model.sent, [request]);
  assert.deepEqual(model.get("confirm"), {});
  assert.ok(bar.hidden);
  model.set("confirm", { seconds: { marginalization: 200 }, request: { ...request, text: "another text" } });
  assert.match(bar.textContent, /on the edited text will take about 3 min/);
  $('[data-testid="ne-confirm-drop"]').click();
  assert.equal(model.sent.length, 1); // nothing more sent
  assert.ok(bar.hidden);
});

test("while a request for another class waits for the user, the target select shows that class", () => {
  const { $, model } = mount();
  const select = $(".ne-target");
  assert.equal(select.value, "1"); // the fixture explains "positive"
  const request = { type: "explain", text: model.get("explanation").text, target: 0, confirmed: true };
  model.set("confirm", { seconds: { lime: 30 }, request });
  assert.equal(select.value, "0");
  assert.match($('[data-testid="ne-confirm"]').textContent, /for “negative”/);
  $('[data-testid="ne-confirm-drop"]').click();
  assert.equal(select.value, "1"); // dropped: back to the class on screen
});

test("a sanity check held for its cost says so", () => {
  const { $, model } = mount();
  model.set("confirm", { seconds: { lime: 50, saliency_l2: 1 }, request: { type: "sanity", confirmed: true } });
  assert.match($('[data-testid="ne-confirm"]').textContent, /^The sanity check of lime, saliency_l2 will take about 51 s/);
  $('[data-testid="ne-confirm-run"]').click();
  assert.deepEqual(model.sent, [{ type: "sanity", confirmed: true }]);
});

test("a live widget keeps a slot for the busy line; a display-only one keeps no empty line", () => {
  const live = mount({ busy: false });
  assert.ok(!live.$('[data-testid="ne-busy-slot"]').hidden && live.$('[data-testid="ne-busy"]').hidden);
  live.model.set("busy", true);
  assert.ok(!live.$('[data-testid="ne-busy"]').hidden);
  assert.equal(live.$('[data-testid="ne-busy"]').parentElement, live.$('[data-testid="ne-busy-slot"]'));
  const shown = mount({ busy: false, editable: false });
  assert.ok(shown.$('[data-testid="ne-busy-slot"]').hidden);
});
