// Test support: a happy-dom document as the global `document`, a recording fake anywidget
// model, contract-shaped explanation states and a mount helper.

import { Window } from "happy-dom";
import CONTRACT from "../../notebook_explain/widget_contract.json" with { type: "json" };
import { render } from "../src/widget.js";

export const window = new Window();
globalThis.document = window.document;

/**
 * get / set / on / off / save_changes / send like an anywidget model; records what it sends. Like
 * a kernel it answers the view's ping with a pong, unless `kernel` is false (a saved page).
 */
export class FakeModel {
  constructor(state, { kernel = true } = {}) {
    this.state = { ...state };
    this.kernel = kernel;
    this.pings = 0;
    this.sent = [];
    this.saves = 0;
    this.listeners = new Map();
  }
  get(name) {
    return this.state[name];
  }
  set(name, value) {
    if (Object.is(this.state[name], value)) return;
    this.state[name] = value;
    for (const callback of [...(this.listeners.get(`change:${name}`) ?? [])]) callback(this, value);
  }
  on(event, callback) {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event).add(callback);
  }
  off(event, callback) {
    this.listeners.get(event)?.delete(callback);
  }
  listenerCount() {
    return [...this.listeners.values()].reduce((n, set) => n + set.size, 0);
  }
  save_changes() {
    this.saves++;
  }
  send(message) {
    // every message a test makes the widget send is held to the contract the kernel checks
    const fields = CONTRACT.requests[message?.type];
    if (!fields) throw new Error(`a message type not in widget_contract.json: ${JSON.stringify(message)}`);
    const unknown = Object.keys(message).filter((k) => k !== "type" && !fields.includes(k));
    if (unknown.length) throw new Error(`fields not in widget_contract.json: ${unknown} in ${message.type}`);
    if (message?.type === "ping") {
      this.pings++;
      if (this.kernel) this.receive({ type: "pong" });
    } else this.sent.push(message);
  }
  /** A custom message from the kernel. */
  receive(message) {
    for (const callback of [...(this.listeners.get("msg:custom") ?? [])]) callback(message);
  }
}

const DTYPES = { "<f4": Float32Array, "<i4": Int32Array, "|u1": Uint8Array };

/** A contract array; binary "dataview" (widget) or "b64" (static export). */
export function packArray(values, dtype, binary = "dataview") {
  const typed = DTYPES[dtype].from(values);
  const bytes = new Uint8Array(typed.buffer);
  if (binary === "b64") return { dtype, shape: [typed.length], b64: Buffer.from(bytes).toString("base64") };
  return { dtype, shape: [typed.length], data: new DataView(typed.buffer) };
}

// "[CLS] the movie was unbelievably good [SEP]"
export const TOKENS = ["[CLS]", "the", "movie", "was", "un", "##believ", "##ably", "good", "[SEP]"];
export const WORDS = ["the", "movie", "was", "unbelievably", "good"];
export const WORD_INDEX = [-1, 0, 1, 2, 3, 3, 3, 4, -1];
export const SPECIAL = [1, 0, 0, 0, 0, 0, 0, 0, 1];

export const SCORES = {
  integrated_gradients: [0, 0.05, 0.1, -0.02, 0.3, 0.25, 0.15, 0.6, 0],
  grad_norm: [0.01, 0.2, 0.4, 0.1, 0.3, 0.1, 0.2, 0.9, 0.02],
  attention: [0.5, 0.1, 0.05, 0.05, 0.1, 0.05, 0.05, 0.1, 0.0],
};

export const REDUCTION_STEPS = [
  { removed: null, remaining: [1, 2, 3, 4, 5, 6, 7], probability: 0.97, label: 1 },
  { removed: 3, remaining: [1, 2, 4, 5, 6, 7], probability: 0.96, label: 1 },
  { removed: 1, remaining: [2, 4, 5, 6, 7], probability: 0.95, label: 1 },
  { removed: 2, remaining: [4, 5, 6, 7], probability: 0.9, label: 1 },
];

export const METHODS = [
  {
    name: "integrated_gradients",
    family: "gradient",
    signed: true,
    faithful: true,
    requires: [],
    description: "Path integral of gradients from a baseline.",
    params: {
      n_steps: { default: 32, help: "Riemann steps", choices: null, low: 1, high: 512 },
      baseline: { default: "pad", help: "Baseline token", choices: ["pad", "zero", "mask"], low: null, high: null },
      multiply_by_inputs: { default: true, help: "Multiply by inputs", choices: null, low: null, high: null },
    },
  },
  {
    name: "grad_norm",
    family: "gradient",
    signed: false,
    faithful: true,
    requires: [],
    description: "Gradient L2 norm.",
    params: {},
  },
  {
    name: "attention",
    family: "attention",
    signed: false,
    faithful: false,
    requires: ["attention"],
    description: "Last-layer attention.",
    params: {},
  },
  {
    name: "leave_one_out",
    family: "perturbation",
    signed: true,
    faithful: true,
    requires: [],
    description: "Leave one token out.",
    params: {},
  },
  {
    name: "input_reduction",
    family: "perturbation",
    signed: true,
    faithful: true,
    requires: [],
    description: "Remove tokens while the prediction holds.",
    params: { max_steps: { default: 10, help: "Most removals", choices: null, low: 1, high: 100 } },
  },
];

const PARAMS = { integrated_gradients: { n_steps: 32, baseline: "pad", multiply_by_inputs: true } };

/** The `explanation` trait (the fixture sentence unless overridden); `results` lists method names or full results. */
export function makeExplanation({
  results = Object.keys(SCORES),
  binary = "dataview",
  reduction = false,
  wordIndex = WORD_INDEX,
  special = SPECIAL,
  ...overrides
} = {}) {
  const list = results.map((r) =>
    typeof r === "string"
      ? {
          name: r,
          family: METHODS.find((m) => m.name === r)?.family ?? "gradient",
          signed: r !== "grad_norm" && r !== "attention",
          scores: SCORES[r],
          params: PARAMS[r] ?? {},
          seconds: 0.125,
          info: {},
        }
      : r,
  );
  if (reduction)
    list.push({
      name: "input_reduction",
      family: "perturbation",
      signed: true,
      scores: SCORES.integrated_gradients,
      params: { max_steps: 10 },
      seconds: 1.5,
      info: {},
      reduction_steps: REDUCTION_STEPS,
    });
  return {
    text: "the movie was unbelievably good",
    text_pair: null,
    tokens: TOKENS,
    words: WORDS,
    class_names: ["negative", "positive"],
    target: 1,
    output: "logit",
    model_name: "demo-minilm",
    truncated_tokens: 0,
    word_index: packArray(wordIndex, "<i4", binary),
    special_mask: packArray(special, "|u1", binary),
    probabilities: packArray([0.03, 0.97], "<f4", binary),
    ...overrides,
    results: list.map((r) => ({ ...r, scores: packArray(r.scores, "<f4", binary) })),
  };
}

const LABELS = { aopc: "AOPC", deletion: "Deletion AUC", loo_pearson: "Pearson r with leave-one-out" };
const metric = (name, direction, range = [-1, 1]) => ({
  name,
  label: LABELS[name] ?? name,
  range,
  direction,
  kind: "faithfulness",
  description: `About ${name}.`,
  paper: `${name} paper`,
  params: {},
});
const curve = (x, y, xLabel, yLabel) => ({ x, y, x_label: xLabel, y_label: yLabel });

/** The `evaluation` trait (Evaluation.to_json()) for the three fixture methods. */
export function makeEvaluation() {
  return {
    metrics: [
      metric("aopc", "higher"),
      metric("deletion", "lower", [0, 1]),
      metric("loo_pearson", "higher"),
      metric("entropy", "neither", [0, 1]),
    ],
    methods: ["integrated_gradients", "grad_norm", "attention"],
    values: {
      integrated_gradients: { aopc: 0.25, deletion: 0.4, loo_pearson: 0.5, entropy: 0.8 },
      grad_norm: { aopc: 0.125, deletion: 0.3, loo_pearson: 0.75, entropy: 0.6 },
      attention: { aopc: 0.25, deletion: 0.9, loo_pearson: null, entropy: 0.2 },
    },
    curves: {
      integrated_gradients: {
        aopc: curve([0, 1, 2, 3, 4, 5], [0, 0.3, 0.3, 0.25, 0.25, 0.25], "words removed K", "AOPC"),
        deletion: curve(
          [0, 0.2, 0.4, 0.6, 0.8, 1],
          [0.97, 0.6, 0.4, 0.3, 0.2, 0.1],
          "share of words removed",
          "target probability",
        ),
      },
      grad_norm: {
        aopc: curve([0, 1, 2, 3, 4, 5], [0, 0.1, 0.1, 0.12, 0.12, 0.125], "words removed K", "AOPC"),
        deletion: curve(
          [0, 0.2, 0.4, 0.6, 0.8, 1],
          [0.97, 0.5, 0.3, 0.2, 0.1, 0.05],
          "share of words removed",
          "target probability",
        ),
      },
      attention: {
        aopc: curve([0, 1, 2, 3, 4, 5], [0, 0.5, 0.3, 0.3, 0.25, 0.25], "words removed K", "AOPC"),
        deletion: curve(
          [0, 0.2, 0.4, 0.6, 0.8, 1],
          [0.97, 0.95, 0.9, 0.9, 0.85, 0.8],
          "share of words removed",
          "target probability",
        ),
      },
    },
    reasons: { integrated_gradients: {}, grad_norm: {}, attention: { loo_pearson: "Pearson needs 3 or more words." } },
    agreement: {
      methods: ["integrated_gradients", "grad_norm", "attention"],
      rank_correlation: [
        [1, 0.5, -0.25],
        [0.5, 1, null],
        [-0.25, null, 1],
      ],
      top_k_overlap: [
        [1, 2 / 3, 1 / 3],
        [2 / 3, 1, 0],
        [1 / 3, 0, 1],
      ],
      k: 3,
    },
  };
}

/** The widget's traits with the Python defaults. */
export function makeState(overrides = {}) {
  const explanation = "explanation" in overrides ? overrides.explanation : makeExplanation();
  return {
    explanation,
    methods: METHODS,
    method: explanation?.results[0]?.name ?? "",
    compare: explanation?.results.map((r) => r.name) ?? [],
    pending: [],
    painted_first: {},
    waited: {},
    level: "word",
    threshold: 0,
    top_k: 100,
    selected_token: -1,
    view: "heatmap",
    reduction_step: 0,
    influence: { status: "empty", message: "No training-data influence yet." },
    evaluation: {},
    editable: true,
    busy: false,
    status: "",
    error: "",
    ...overrides,
  };
}

/** Render the widget for a state; returns the model, the host element and query helpers. */
export function mount(overrides = {}, options = {}) {
  const model = new FakeModel(makeState(overrides), options);
  const el = document.createElement("div");
  document.body.append(el);
  const cleanup = render({ model, el });
  const $ = (selector) => el.querySelector(selector);
  const $$ = (selector) => [...el.querySelectorAll(selector)];
  return { model, el, cleanup, $, $$ };
}

/** Dispatch an input / change event after setting a control's value. */
export function setValue(control, value, type = "change") {
  if (control.type === "checkbox") control.checked = value;
  else control.value = String(value);
  control.dispatchEvent(new window.Event(type, { bubbles: true }));
}

export function press(el, key) {
  const event = new window.KeyboardEvent("keydown", { key, bubbles: true, cancelable: true });
  el.dispatchEvent(event);
  return event;
}

export const tokenScores = (el, testid = "ne-token") =>
  [...el.querySelectorAll(`[data-testid="${testid}"]`)].map((s) => s.getAttribute("data-score"));
export const backgrounds = (el, testid = "ne-token") =>
  [...el.querySelectorAll(`[data-testid="${testid}"]`)].map((s) => s.style.backgroundColor);
