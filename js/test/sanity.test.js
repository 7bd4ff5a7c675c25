import assert from "node:assert/strict";
import test from "node:test";
import { mount } from "../testing/helpers.js";

const CHECK = {
  mode: "cascading",
  stages: ["none", "classifier", "bert.encoder.layer.1", "bert.embeddings.word_embeddings"],
  methods: ["integrated_gradients", "attention"],
  correlations: { integrated_gradients: [1, 0.4, 0.1, null], attention: [1, 0.95, 0.9, 0.85] },
  flagged: ["attention"],
  survives: 0.5,
};

test("the sanity button asks the kernel; the panel flags the maps that survive randomisation", () => {
  const { $, $$, model } = mount({ view: "compare" });
  const button = $('[data-testid="ne-sanity"]');
  assert.ok(!button.hidden);
  assert.match($(".ne-sanity-body").textContent, /randomises the model's layers/);
  button.click();
  assert.deepEqual(model.sent, [{ type: "sanity" }]);
  model.set("sanity", CHECK);
  const rows = $$(".ne-sanity tbody tr");
  assert.deepEqual(
    rows.map((r) => r.getAttribute("data-method")),
    ["integrated_gradients", "attention"],
  );
  assert.equal(rows[0].querySelector(".ne-number").textContent, "n/a"); // nan at the last stage
  assert.equal(rows[1].querySelector(".ne-number").textContent, "0.85");
  assert.deepEqual(
    $$('[data-testid="ne-sanity-flag"]').map((b) => b.closest("tr").getAttribute("data-method")),
    ["attention"],
  );
  assert.equal(rows[1].querySelector("svg").getAttribute("data-points"), "4");
  assert.match($(".ne-sanity thead").textContent, /3 layers are randomised \(cascading\)/);
});

test("a display-only widget shows a saved check but no button", () => {
  const { $, $$ } = mount({ view: "compare", editable: false, sanity: CHECK });
  assert.ok($('[data-testid="ne-sanity"]').hidden);
  assert.equal($$(".ne-sanity tbody tr").length, 2);
});
