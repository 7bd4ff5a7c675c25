import assert from "node:assert/strict";
import test from "node:test";
import { NEEDS_KERNEL, createStaticModel, mountStandalone } from "../src/static-model.js";
import { render } from "../src/widget.js";
import { WORDS, makeEvaluation, makeExplanation, makeState, window } from "../testing/helpers.js";

function page(states) {
  const body = window.document.body;
  body.replaceChildren();
  for (const state of states) {
    const host = document.createElement("div");
    host.setAttribute("data-ne-standalone", "");
    const script = document.createElement("script");
    script.setAttribute("type", "application/json");
    script.textContent = JSON.stringify(state);
    body.append(host, script);
  }
  return body;
}

const exported = () => makeState({ explanation: makeExplanation({ binary: "b64" }), editable: false });

test("every standalone div renders from the JSON that follows it (base64 arrays)", () => {
  const body = page([exported(), exported()]);
  mountStandalone(document, render);
  const hosts = [...body.querySelectorAll("div[data-ne-standalone]")];
  for (const host of hosts) {
    assert.equal(host.querySelectorAll('[data-testid="ne-token"]').length, WORDS.length);
  }
  mountStandalone(document, render); // already mounted: left alone
  assert.equal(hosts[0].querySelectorAll(".ne-root").length, 1);
});

test("the static model toggles methods locally", () => {
  const body = page([exported()]);
  mountStandalone(document, render);
  const select = body.querySelector('[data-testid="ne-method-select"]');
  select.value = "grad_norm";
  select.dispatchEvent(new window.Event("change", { bubbles: true }));
  assert.equal(body.querySelectorAll('[data-testid="ne-token"]')[4].style.backgroundColor, "rgb(63, 0, 125)");
});

test("send on the static model explains that recomputing needs a kernel", () => {
  const model = createStaticModel({ error: "" });
  let seen = null;
  model.on("change:error", (_, value) => (seen = value));
  model.send({ type: "explain" });
  assert.equal(model.get("error"), NEEDS_KERNEL);
  assert.equal(seen, NEEDS_KERNEL);
});

test("a missing or broken state is reported as text", () => {
  const body = page([]);
  const host = document.createElement("div");
  host.setAttribute("data-ne-standalone", "");
  const broken = document.createElement("script");
  broken.setAttribute("type", "application/json");
  broken.textContent = "{not json";
  body.append(host, broken);
  mountStandalone(document, render);
  assert.match(host.textContent, /could not show this explanation/);
  assert.equal(host.querySelectorAll("*").length, 0);
});

test("an exported evaluation is shown; the Faithfulness button explains that it needs a kernel", () => {
  const body = page([{ ...exported(), view: "compare", evaluation: makeEvaluation() }]);
  mountStandalone(document, render);
  const panel = [...body.querySelectorAll(".ne-faithfulness-panel")].find((p) => !p.closest(".ne-panel").hidden);
  assert.equal(panel.querySelectorAll("tbody tr").length, 3);
  assert.equal(panel.querySelectorAll("polyline").length, 6);
  assert.equal(body.querySelector('[data-testid="ne-agreement"]').getAttribute("data-source"), "kernel");
  panel.querySelector('[data-testid="ne-evaluate"]').click();
  assert.equal(body.querySelector('[data-testid="ne-error"]').textContent.startsWith(NEEDS_KERNEL), true);
});
