import assert from "node:assert/strict";
import test from "node:test";
import { KERNEL_WAIT_MS, NO_KERNEL_HINT, READ_ONLY_HINT } from "../src/context.js";
import { mount } from "../testing/helpers.js";

// the controls that only a kernel can serve
const KERNEL_ONLY = ["button.ne-primary", '[data-testid="ne-cancel"]'];

test("a live widget pings once, and its kernel's pong shows the controls", () => {
  const { $, model } = mount();
  assert.equal(model.pings, 1);
  assert.deepEqual(model.sent, []);
  assert.equal($("button.ne-primary").hidden, false);
  assert.equal($("textarea").readOnly, false);
  assert.ok($(".ne-editor .ne-hint").hidden);
});

test("saved state with no kernel behind it hides every kernel-only control, then says why", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const { $, $$, model, cleanup } = mount({}, { kernel: false });
  assert.equal(model.pings, 1);
  for (const selector of KERNEL_ONLY)
    assert.ok(
      $$(selector).every((el) => el.hidden),
      selector,
    );
  assert.ok($("textarea").readOnly);
  const hint = $(".ne-editor .ne-hint");
  assert.ok(hint.hidden, "no verdict before the wait is over");
  t.mock.timers.tick(KERNEL_WAIT_MS);
  assert.equal(hint.hidden, false);
  assert.equal(hint.textContent, NO_KERNEL_HINT);
  $("button.ne-primary").click();
  assert.deepEqual(model.sent, [], "nothing is sent to a kernel that is not there");
  // a busy kernel may answer late: then the widget goes live
  model.receive({ type: "pong" });
  assert.equal($("button.ne-primary").hidden, false);
  assert.ok(hint.hidden);
  cleanup();
});

test("a display-only widget never pings and says how to get a live one", () => {
  const { $, model } = mount({ editable: false });
  assert.equal(model.pings, 0);
  assert.ok($("button.ne-primary").hidden);
  assert.equal($(".ne-editor .ne-hint").textContent, READ_ONLY_HINT);
});
