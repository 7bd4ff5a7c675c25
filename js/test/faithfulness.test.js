import assert from "node:assert/strict";
import test from "node:test";
import { bestMethods, curvePlot } from "../src/faithfulness.js";
import { makeEvaluation, mount } from "../testing/helpers.js";

const visible = ($$, selector) => $$(selector).filter((el) => !el.closest(".ne-panel").hidden);
const cell = (root, method, metric) => root.querySelector(`td[data-method="${method}"][data-metric="${metric}"]`);

test("without an evaluation: a hint, and the Faithfulness button asks the kernel", () => {
  const { $$, model } = mount();
  const [button] = visible($$, '[data-testid="ne-evaluate"]');
  assert.equal(button.textContent, "Faithfulness");
  assert.equal(visible($$, '[data-testid="ne-faithfulness"]').length, 0);
  assert.match(visible($$, ".ne-faithfulness-panel")[0].textContent, /AOPC, deletion curve/);
  button.click();
  assert.deepEqual(model.sent, [{ type: "evaluate" }]);
});

test("while busy the button is disabled and sends nothing; a display-only widget may still ask", () => {
  const { $$, model } = mount({ busy: true });
  const [button] = visible($$, '[data-testid="ne-evaluate"]');
  assert.ok(button.disabled);
  button.click();
  assert.deepEqual(model.sent, []);
  const readOnly = mount({ editable: false });
  visible(readOnly.$$, '[data-testid="ne-evaluate"]')[0].click();
  assert.deepEqual(readOnly.model.sent, [{ type: "evaluate" }]); // the kernel says if it has no model
});

test("the heatmap view shows the selected method's numbers, with each metric's direction", () => {
  const { $$, model } = mount({ evaluation: makeEvaluation() });
  const [table] = visible($$, '[data-testid="ne-faithfulness"]');
  assert.deepEqual(
    [...table.querySelectorAll("tbody tr")].map((r) => r.getAttribute("data-method")),
    ["integrated_gradients"],
  );
  assert.deepEqual(
    [...table.querySelectorAll("thead th[data-metric]")].map((th) => th.textContent),
    ["AOPC ↑", "Deletion AUC ↓", "Pearson r with leave-one-out ↑", "entropy"], // labels; a bare name without one
  );
  assert.match(table.querySelector('th[data-metric="deletion"]').title, /^deletion: lower is better\. About deletion\./);
  assert.equal(cell(table, "integrated_gradients", "aopc").querySelector(".ne-number").textContent, "0.250");
  assert.equal(cell(table, "integrated_gradients", "deletion").getAttribute("data-value"), "0.4");
  model.set("method", "grad_norm");
  const [again] = visible($$, '[data-testid="ne-faithfulness"]');
  assert.equal(again.querySelector("tbody tr").getAttribute("data-method"), "grad_norm");
  assert.equal(cell(again, "grad_norm", "aopc").querySelector(".ne-number").textContent, "0.125");
});

test("the best method per metric is marked by direction, skipping n/a; none for 'neither'", () => {
  const { $$ } = mount({ view: "compare", evaluation: makeEvaluation() });
  const [table] = visible($$, '[data-testid="ne-faithfulness"]');
  assert.equal(table.querySelectorAll("tbody tr").length, 3);
  const marked = [...table.querySelectorAll("td[data-best]")].map((td) => [
    td.getAttribute("data-metric"),
    td.getAttribute("data-method"),
  ]);
  assert.deepEqual(marked, [
    ["aopc", "integrated_gradients"], // tied with attention: the first, as Evaluation.best
    ["deletion", "grad_norm"], // lower is better
    ["loo_pearson", "grad_norm"], // attention's null is skipped
  ]);
  assert.equal(table.querySelectorAll(".ne-best-mark").length, 3);
  assert.match(cell(table, "grad_norm", "deletion").title, /best of the 3 evaluated methods/);
});

test("bestMethods: ties go to the first method; all-null and 'neither' metrics have none", () => {
  const evaluation = makeEvaluation();
  evaluation.values.grad_norm.loo_pearson = null;
  evaluation.values.integrated_gradients.loo_pearson = null;
  assert.deepEqual(bestMethods(evaluation), { aopc: "integrated_gradients", deletion: "grad_norm" });
});

test("n/a values say why in their tooltip", () => {
  const { $$ } = mount({ view: "compare", evaluation: makeEvaluation() });
  const [table] = visible($$, '[data-testid="ne-faithfulness"]');
  const na = cell(table, "attention", "loo_pearson");
  assert.equal(na.textContent, "n/a");
  assert.equal(na.getAttribute("data-value"), "");
  assert.match(na.title, /Pearson needs 3 or more words\./);
});

test("each curve is a polyline with one point per curve point, on a scale shared by the metric", () => {
  const { $$ } = mount({ view: "compare", evaluation: makeEvaluation() });
  const [table] = visible($$, '[data-testid="ne-faithfulness"]');
  const plot = cell(table, "integrated_gradients", "deletion").querySelector("svg");
  assert.equal(plot.namespaceURI, "http://www.w3.org/2000/svg");
  assert.equal(plot.getAttribute("data-points"), "6");
  const points = plot.querySelector("polyline").getAttribute("points").split(" ");
  assert.equal(points.length, 6);
  assert.deepEqual(points[0], "2.0,2.0"); // x = 0, y = 0.97 (the top of every deletion curve here)
  assert.deepEqual(points[5], "62.0,17.1"); // x = 1, y = 0.1 on [0.05, 0.97]: 18 − 16 · 0.05 / 0.92
  assert.match(plot.querySelector("title").textContent, /target probability against share of words removed/);
  assert.equal(cell(table, "grad_norm", "loo_pearson").querySelector("svg"), null); // no curve behind it
});

test("curvePlot: a single point sits in the middle", () => {
  const plot = curvePlot({ x: [3], y: [0.5], x_label: "x", y_label: "y" }, [0.5, 0.5]);
  assert.equal(plot.querySelector("polyline").getAttribute("points"), "32.0,10.0");
});

test("metric names, descriptions, reasons and labels go in as text", () => {
  const IMG = "<img src=x onerror=alert(1)>";
  const evaluation = makeEvaluation();
  evaluation.metrics[0] = { ...evaluation.metrics[0], description: IMG, paper: IMG };
  evaluation.reasons.attention.loo_pearson = IMG;
  evaluation.curves.grad_norm.aopc.x_label = IMG;
  const { el, $$ } = mount({ view: "compare", evaluation });
  assert.equal(el.querySelectorAll("img").length, 0);
  const [table] = visible($$, '[data-testid="ne-faithfulness"]');
  assert.ok(cell(table, "attention", "loo_pearson").title.includes(IMG));
  assert.ok(cell(table, "grad_norm", "aopc").querySelector("title").textContent.includes(IMG));
});

test("a new explanation without an evaluation goes back to the hint", () => {
  const { $$, model } = mount({ evaluation: makeEvaluation() });
  assert.equal(visible($$, '[data-testid="ne-faithfulness"]').length, 1);
  model.set("evaluation", {});
  assert.equal(visible($$, '[data-testid="ne-faithfulness"]').length, 0);
});
