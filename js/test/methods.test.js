import assert from "node:assert/strict";
import test from "node:test";
import { makeExplanation, mount, setValue } from "../testing/helpers.js";

const paramInput = ($, name) => $(`.ne-params [name="${name}"]`);

test("the card shows family, description and runtime of the selected method", () => {
  const { $ } = mount();
  assert.match($(".ne-method-info").textContent, /gradient.*signed.*Path integral of gradients/);
  assert.match($(".ne-methods").textContent, /computed in 0\.13 s/);
});

test("a map that waited behind the request's other methods says how long it took to the screen", () => {
  const { $, model } = mount();
  const runtime = () => $(".ne-methods").textContent;
  model.set("waited", { [model.get("method")]: 0.9 }); // under a second more: compute time only
  assert.doesNotMatch(runtime(), /on screen/);
  model.set("waited", { [model.get("method")]: 6.5 });
  assert.match(runtime(), /computed in 0\.13 s, on screen after 6\.5 s/);
});

test("a caveat is shown for methods that are not faithful attributions", () => {
  const { $, model } = mount();
  assert.ok($(".ne-caveat").hidden);
  model.set("method", "attention");
  assert.ok(!$(".ne-caveat").hidden);
  assert.match($(".ne-caveat").textContent, /not a faithful attribution/);
});

test("parameter controls come from the metadata, prefilled from the result's params", () => {
  const { $ } = mount();
  const steps = paramInput($, "n_steps");
  assert.equal(steps.type, "number");
  assert.equal(steps.value, "32");
  assert.equal(steps.getAttribute("min"), "1");
  assert.equal(steps.getAttribute("max"), "512");
  const baseline = paramInput($, "baseline");
  assert.equal(baseline.tagName, "SELECT");
  assert.deepEqual(
    [...baseline.options].map((o) => o.textContent),
    ["pad", "zero", "mask"],
  );
  assert.equal(paramInput($, "multiply_by_inputs").type, "checkbox");
  assert.equal(paramInput($, "multiply_by_inputs").checked, true);
});

test("Recompute sends every method with the edited parameters", () => {
  const { $, $$, model } = mount();
  setValue(paramInput($, "n_steps"), 64);
  setValue(paramInput($, "baseline"), 2);
  setValue(paramInput($, "multiply_by_inputs"), false);
  $$("button")
    .find((b) => b.textContent === "Recompute")
    .click();
  assert.deepEqual(model.sent, [
    {
      type: "explain",
      text: "the movie was unbelievably good",
      text_pair: null,
      target: 1,
      contrast: null,
      methods: {
        integrated_gradients: { n_steps: 64, baseline: "mask", multiply_by_inputs: false },
        grad_norm: {},
        attention: {},
      },
      method: "integrated_gradients", // the method on screen, which the kernel computes first
    },
  ]);
});

test("an out-of-range parameter is reported, not sent", () => {
  const { $, $$, model } = mount();
  setValue(paramInput($, "n_steps"), 2.5);
  $$("button")
    .find((b) => b.textContent === "Recompute")
    .click();
  assert.deepEqual(model.sent, []);
  assert.match(model.state.error, /integrated_gradients: n_steps must be an integer in \[1, 512\]/);
});

test("'add method' lists the registered methods not computed yet and sends the explain request", () => {
  const { $, model } = mount();
  const add = $(".ne-add-method");
  assert.deepEqual(
    [...add.options].map((o) => o.value),
    ["", "leave_one_out", "input_reduction"],
  );
  setValue(add, "input_reduction");
  assert.equal(model.sent.length, 1);
  assert.deepEqual(Object.keys(model.sent[0].methods), [
    "integrated_gradients",
    "grad_norm",
    "attention",
    "input_reduction",
  ]);
  assert.deepEqual(model.sent[0].methods.input_reduction, { max_steps: 10 });
  assert.equal(model.sent[0].method, "input_reduction"); // shown once computed
});

test("without a kernel recomputing is disabled, with a hint", () => {
  const { $, $$, model } = mount({ editable: false });
  const recompute = $$("button").find((b) => b.textContent === "Recompute");
  assert.ok(recompute.disabled);
  assert.ok($(".ne-add-method").disabled);
  assert.ok(!$(".ne-method-card .ne-hint").hidden);
  assert.match($(".ne-method-card .ne-hint").textContent, /Explainer\.show/);
  recompute.click();
  assert.deepEqual(model.sent, []);
});

test("◀ ▶ beside the method select step through the computed methods, wrapping around", () => {
  const { $, model } = mount();
  const names = model.get("explanation").results.map((r) => r.name);
  assert.ok(names.length >= 2);
  $('[data-testid="ne-method-next"]').click();
  assert.equal(model.get("method"), names[1]);
  assert.equal($('[data-testid="ne-method-select"]').value, names[1]);
  $('[data-testid="ne-method-previous"]').click();
  $('[data-testid="ne-method-previous"]').click();
  assert.equal(model.get("method"), names[names.length - 1]);
  assert.match($('[data-testid="ne-method-next"]').title, /→/);
});

test("methods still computing are listed greyed in the select, not offered to add, then join", () => {
  const { $, $$, model } = mount({ pending: ["leave_one_out"], busy: true });
  const options = $$('[data-testid="ne-method-select"] option');
  const pending = options.find((o) => o.value === "leave_one_out");
  assert.ok(pending.disabled && /computing/.test(pending.textContent));
  assert.ok(options.filter((o) => o.value !== "leave_one_out").every((o) => !o.disabled));
  assert.ok(![...$(".ne-add-method").options].some((o) => o.value === "leave_one_out"));
  model.set("pending", []);
  assert.ok(!$$('[data-testid="ne-method-select"] option').some((o) => o.value === "leave_one_out"));
  assert.ok([...$(".ne-add-method").options].some((o) => o.value === "leave_one_out"));
});

test("a number parameter that also takes a word ('auto') accepts either, and names both when wrong", async () => {
  const { paramControl } = await import("../src/params.js");
  const spec = { default: "auto", help: "steps", choices: null, low: 1, high: 2000, words: ["auto"] };
  const control = paramControl("integrated_gradients", "steps", spec, "auto");
  const input = control.el.querySelector("input");
  assert.equal(input.value, "auto");
  assert.equal(control.read(), "auto");
  input.value = "64";
  assert.equal(control.read(), 64);
  input.value = "lots";
  assert.throws(control.read, /steps must be an integer in \[1, 2000\] or "auto"/);
});

const checked = (checks) =>
  makeExplanation({
    results: [
      {
        name: "integrated_gradients",
        family: "gradient",
        signed: true,
        scores: [0, 0.05, 0.1, -0.02, 0.3, 0.25, 0.15, 0.6, 0],
        params: {},
        seconds: 0.1,
        info: {},
        checks,
      },
    ],
  });

test("the trust line shows each check with ✓ or ⚠, and says in words when a map runs against leave-one-out", () => {
  const { $$ } = mount({
    explanation: checked({
      identity: { what: "completeness", relative: 0.004, steps: 32, ok: true },
      leave_one_out: { what: "agreement with leave-one-out", pearson: -0.26, ok: false, contradicts: true },
    }),
  });
  const chips = $$(".ne-trust").map((c) => c.textContent);
  assert.equal(chips.length, 2);
  assert.match(chips[0], /^✓ completeness gap 0\.40 %, 32 steps$/);
  assert.match(chips[1], /^⚠ runs against leave-one-out \(r = −0\.26\)/);
  assert.equal($$(".ne-trust-warn").length, 1);
});

test("a map with no checks shows no trust line; the first-paint reason shows under the first map only", () => {
  const reason = "integrated_gradients is shown first: it agrees best with leave-one-out.";
  const { $, model } = mount({
    explanation: makeExplanation(),
    painted_first: { method: "integrated_gradients", reason },
  });
  assert.equal($(".ne-first-paint").textContent, reason);
  model.set("method", "grad_norm");
  assert.equal($(".ne-first-paint"), null);
  assert.ok($('[data-testid="ne-trust-line"]').hidden);
});
