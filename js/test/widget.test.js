import assert from "node:assert/strict";
import test from "node:test";
import { WORDS, makeExplanation, mount, press } from "../testing/helpers.js";

test("the root carries the ne-root class and the five tabs switch the `view` trait", () => {
  const { $, $$, model } = mount();
  assert.ok($(".ne-root"));
  const tabs = $$(".ne-tab").filter((t) => !t.hidden); // the Dataset tab shows with a dataset only
  assert.deepEqual(
    tabs.map((t) => t.textContent),
    ["Heatmap", "Compare methods", "Input reduction", "Hierarchy", "Training influence"],
  );
  assert.equal(tabs[0].getAttribute("aria-selected"), "true");
  tabs[1].click();
  assert.equal(model.state.view, "compare");
  assert.ok(!$('[data-testid="ne-compare"]').closest(".ne-panel").hidden);
  assert.ok($(".ne-heatmap").closest(".ne-panel").hidden);
  assert.equal(tabs[1].getAttribute("aria-selected"), "true");
});

test("handled arrow keys do not reach the notebook", () => {
  const { $, el } = mount();
  let reached = false;
  el.addEventListener("keydown", () => (reached = true));
  press($(".ne-root"), "ArrowRight");
  assert.equal(reached, false);
  press($(".ne-root"), "a");
  assert.equal(reached, true);
});

test("no explanation: a placeholder and no views", () => {
  const { $, $$ } = mount({ explanation: null });
  assert.ok(!$(".ne-placeholder").hidden);
  assert.match($(".ne-placeholder").textContent, /Nothing to show yet/);
  assert.ok($(".ne-body").hidden);
  assert.ok($(".ne-header").hidden);
  assert.equal($$('[data-testid="ne-token"]').length, 0);
});

test("a new explanation from the kernel rebuilds the views", () => {
  const { $, $$, model } = mount({ explanation: null });
  model.set("explanation", makeExplanation());
  assert.ok($(".ne-placeholder").hidden);
  assert.equal($$('[data-testid="ne-token"]').length, WORDS.length);
  assert.equal($("textarea").value, "the movie was unbelievably good");
});

test("cleanup removes the listeners and the DOM", () => {
  const { el, model, cleanup } = mount();
  assert.ok(model.listenerCount() > 0);
  cleanup();
  assert.equal(model.listenerCount(), 0);
  assert.equal(el.children.length, 0);
});

test("the heatmap sits right under the method row; what changes between methods folds below it", () => {
  const { $ } = mount();
  const panel = $(".ne-panel-heatmap");
  const [row, heatmap, details] = [...panel.children];
  assert.ok(row.classList.contains("ne-methods") && row.querySelector('[data-testid="ne-method-select"]'));
  assert.ok(heatmap.classList.contains("ne-heatmap"));
  assert.equal(details.tagName, "DETAILS");
  assert.ok(details.open);
  assert.ok(details.querySelector(".ne-method-card .ne-params-bar"));
  assert.ok(details.querySelector(".ne-faithfulness-panel .ne-evaluate"));
});

test("a sentence pair: two labelled boxes, both sent, and a boundary where the second text starts", () => {
  // the 9 test tokens read as a pair: [CLS] the movie [SEP] … good [SEP]
  const pair = {
    ...makeExplanation({ special: [1, 0, 0, 1, 0, 0, 0, 0, 1] }),
    text: "the movie was",
    text_pair: "unbelievably good",
  };
  const { $, $$, model } = mount({ explanation: pair });
  const [first, second] = $$("textarea");
  assert.equal(first.value, "the movie was");
  assert.equal(second.value, "unbelievably good");
  assert.ok(!second.closest(".ne-text-box").hidden);
  assert.deepEqual(
    $$(".ne-text-label").map((l) => l.hidden),
    [false, false],
  );
  const start = $(".ne-pair-start");
  assert.equal(start.textContent, "unbelievably"); // the first word of the second text
  assert.equal($$(".ne-pair-start").length, 1);
  second.value = "terribly good";
  $("button.ne-primary").click();
  assert.deepEqual(
    model.sent.map((m) => [m.text, m.text_pair, m.target]),
    [["the movie was", "terribly good", null]], // a new input explains its own prediction
  );
});

test("a single text has one unlabelled box and no boundary", () => {
  const { $, $$ } = mount();
  assert.ok($('[data-testid="ne-text-pair"]').closest(".ne-text-box").hidden);
  assert.ok($(".ne-text-label").hidden);
  assert.equal($$(".ne-pair-start").length, 0);
});
