// What every view shares: model access, the decoded explanation, method metadata and the
// requests to the kernel.

import CONTRACT from "../../notebook_explain/widget_contract.json" with { type: "json" };
import { currentMethods, prepareExplanation } from "./explanation.js";

/** Every synced trait, from the contract the kernel checks too (widget_contract.json). */
export const TRAITS = Object.keys(CONTRACT.traits);

export const READ_ONLY_HINT = "Display only: to edit the text or recompute, open it with Explainer.show(text).";
export const NO_KERNEL_HINT =
  "No kernel has answered: a saved page cannot recompute. Run the notebook to make the widget live.";
/** How long a live widget waits for the kernel's answer before it says that none came. */
export const KERNEL_WAIT_MS = 3000;

/** A change detector: tracker()(a, b) is true when any argument differs from the previous call's. */
export function tracker() {
  let previous = null;
  return (...deps) => {
    const changed = previous === null || deps.some((d, i) => !Object.is(d, previous[i]));
    previous = deps;
    return changed;
  };
}

export function createContext(model) {
  let raw;
  let prepared = null;
  let decodeError = "";
  // whether a kernel answers this view: "waiting" for its pong, "live", or "absent" (a saved
  // notebook or an export keeps the state of a live widget, with nothing behind it)
  let kernel = "waiting";

  const ctx = {
    get: (name) => model.get(name),

    /** Set traits and sync them to the kernel. */
    set(values) {
      for (const [name, value] of Object.entries(values)) model.set(name, value);
      model.save_changes();
    },

    /** The decoded explanation (null when there is none or it cannot be read; see decodeError). */
    explanation() {
      const now = model.get("explanation") ?? null;
      if (now !== raw) {
        raw = now;
        decodeError = "";
        try {
          prepared = now ? prepareExplanation(now) : null;
        } catch (err) {
          prepared = null;
          decodeError = `Could not read the explanation: ${err.message}`;
        }
      }
      return prepared;
    },

    decodeError: () => decodeError,

    /** The kernel's evaluation (Evaluation.to_json()), or null while there is none (`{}`). */
    evaluation() {
      const raw = model.get("evaluation");
      return raw && Array.isArray(raw.metrics) && Array.isArray(raw.methods) ? raw : null;
    },

    /** The selected method's result (the first one when `method` names none computed). */
    result() {
      const exp = ctx.explanation();
      return exp ? (exp.byName.get(model.get("method")) ?? exp.results[0] ?? null) : null;
    },

    /** The level shown: the `level` trait when the explanation has that level, else words. */
    level() {
      const level = model.get("level");
      return ctx.explanation()?.units[level] ? level : "word";
    },

    metadata: (name) => (model.get("methods") ?? []).find((m) => m.name === name) ?? null,

    /** A registered method's default parameters. */
    defaults(name) {
      const params = ctx.metadata(name)?.params ?? {};
      return Object.fromEntries(Object.entries(params).map(([k, p]) => [k, p.default]));
    },

    /** Whether the controls that need the kernel work: a live widget whose kernel answered. */
    editable: () => Boolean(model.get("editable")) && kernel === "live",
    canSend: () => ctx.editable() && !model.get("busy"),

    /** Why the kernel's controls are hidden ("" while a live widget waits for its kernel). */
    readOnlyHint() {
      if (!model.get("editable")) return READ_ONLY_HINT;
      return kernel === "absent" ? NO_KERNEL_HINT : "";
    },

    /**
     * Ask whether a kernel answers (a ping, answered by a pong); `changed()` runs when the
     * answer comes, or when none came within KERNEL_WAIT_MS. Returns the cleanup function.
     */
    connect(changed) {
      if (!model.get("editable")) return () => {};
      const answer = (message) => {
        if (message?.type !== "pong" || kernel === "live") return;
        kernel = "live";
        clearTimeout(timer);
        changed();
      };
      const timer = setTimeout(() => {
        kernel = "absent";
        changed();
      }, KERNEL_WAIT_MS);
      model.on("msg:custom", answer);
      try {
        model.send({ type: "ping" });
      } catch {
        // a saved page's widget manager may have no comm to send on: no kernel answers
      }
      return () => {
        clearTimeout(timer);
        model.off("msg:custom", answer);
      };
    },

    /** Ask the kernel to recompute; unspecified fields keep the current text, target, contrast
     * and methods (a new target drops a contrast equal to it). */
    explain(changes = {}) {
      if (!ctx.canSend()) return;
      const exp = ctx.explanation();
      model.send({
        type: "explain",
        text: changes.text ?? exp?.text ?? "",
        text_pair: "textPair" in changes ? changes.textPair : (exp?.textPair ?? null),
        target: "target" in changes ? changes.target : (exp?.target ?? null),
        contrast: contrastOf(changes, exp),
        methods: changes.methods ?? currentMethods(exp),
        // the method on screen (or one just added, which becomes the shown one): on a new text
        // or target the kernel computes it first
        method: changes.method ?? model.get("method"),
      });
    },

    tokenInfluence(index, level) {
      if (ctx.canSend()) model.send({ type: "token_influence", index, level });
    },

    /** Rank the training examples for the whole input again, with another influence method. */
    influence(method) {
      if (ctx.canSend()) model.send({ type: "influence", method });
    },

    /** Stop the running request at its next batch; the kernel keeps the previous result. */
    cancel() {
      if (ctx.editable() && model.get("busy")) model.send({ type: "cancel" });
    },

    /**
     * Ask for every method's faithfulness. A display-only widget may still evaluate (with the
     * model that made its explanation), so only `busy` stops it; the kernel says when it cannot.
     */
    evaluate() {
      if (!model.get("busy")) model.send({ type: "evaluate" });
    },

    /** Run the request the kernel held back for its cost (the `confirm` trait), or drop it. */
    confirm(run) {
      const request = model.get("confirm")?.request;
      ctx.set({ confirm: {} });
      if (run && request && ctx.canSend()) model.send(request);
    },

    /** Ask for the model-randomisation sanity check of every method (needs the kernel's model). */
    sanity() {
      if (ctx.canSend()) model.send({ type: "sanity" });
    },
  };
  return ctx;
}

function contrastOf(changes, exp) {
  const contrast = "contrast" in changes ? changes.contrast : (exp?.contrast ?? null);
  const target = "target" in changes ? changes.target : exp?.target;
  return contrast === target ? null : contrast;
}
