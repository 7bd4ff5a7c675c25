import assert from "node:assert/strict";
import test from "node:test";
import CONTRACT from "../../notebook_explain/widget_contract.json" with { type: "json" };
import { TRAITS } from "../src/context.js";
import { makeState, FakeModel } from "../testing/helpers.js";

test("the views listen to exactly the contract's traits, and the test state has every one", () => {
  assert.deepEqual(TRAITS, Object.keys(CONTRACT.traits));
  const state = makeState();
  const missing = TRAITS.filter((t) => !(t in state) && !["sanity", "confirm", "dataset"].includes(t));
  assert.deepEqual(missing, []);
});

test("a message outside the contract fails the test that sends it", () => {
  const model = new FakeModel(makeState());
  assert.throws(
    () => model.send({ type: "explain", text: "x", extra: 1 }),
    /fields not in widget_contract.json: extra/,
  );
  assert.throws(() => model.send({ type: "paint" }), /not in widget_contract.json/);
});
