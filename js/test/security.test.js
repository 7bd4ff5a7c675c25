import assert from "node:assert/strict";
import test from "node:test";
import { METHODS, SCORES, TOKENS, makeExplanation, mount } from "../testing/helpers.js";

const IMG = "<img src=x onerror=alert(1)>";
const SCRIPT = "<script>alert(1)</script>";

function hostileState() {
  const tokens = [...TOKENS];
  tokens[2] = IMG;
  tokens[3] = SCRIPT;
  const explanation = makeExplanation({
    text: `${IMG} ${SCRIPT}`,
    tokens,
    words: ["the", IMG, SCRIPT, "unbelievably", "good"],
    class_names: [IMG, SCRIPT],
    model_name: SCRIPT,
    output: IMG,
    results: [
      {
        name: IMG,
        family: SCRIPT,
        signed: true,
        scores: SCORES.integrated_gradients,
        params: { [IMG]: SCRIPT },
        seconds: 0,
        info: {},
      },
      {
        name: SCRIPT,
        family: IMG,
        signed: false,
        scores: SCORES.grad_norm,
        params: {},
        seconds: 0,
        info: {
          steps: [{ removed: null, remaining: [1, 2, 3], probability: 0.5, label: SCRIPT }],
          final: [2],
        },
      },
    ],
  });
  return {
    explanation,
    methods: [
      ...METHODS,
      { name: SCRIPT, family: IMG, signed: false, faithful: false, description: IMG, requires: [], params: {} },
    ],
    error: `${IMG}${SCRIPT}`,
    status: SCRIPT,
    busy: true,
    influence: {
      status: "ready",
      method: IMG,
      sign_note: SCRIPT,
      test_token: null,
      proponents: [{ index: 0, text: IMG, label: SCRIPT, score: 1, tokens: [IMG, SCRIPT], token_scores: [1, -1] }],
      opponents: [{ index: 1, text: SCRIPT, label: IMG, score: -1, tokens: [], token_scores: [] }],
    },
  };
}

function assertInert(el) {
  assert.equal(el.querySelectorAll("img").length, 0);
  assert.equal(el.querySelectorAll("script").length, 0);
  assert.equal(el.querySelectorAll("[onerror]").length, 0);
}

test("hostile tokens, class names, texts and messages are shown as text, never as markup", () => {
  const { el, model } = mount(hostileState());
  assertInert(el);
  assert.ok(el.textContent.includes(IMG));
  assert.ok(el.textContent.includes(SCRIPT));
  for (const [trait, value] of [
    ["level", "token"],
    ["method", SCRIPT],
    ["view", "compare"],
    ["view", "reduction"],
    ["view", "influence"],
  ]) {
    model.set(trait, value);
    assertInert(el);
  }
  assert.ok(el.querySelector(".ne-influence").textContent.includes(IMG));
  assert.equal(el.querySelector('[data-testid="ne-error"]').textContent.startsWith(`${IMG}${SCRIPT}`), true);
});
