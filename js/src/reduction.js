// The input-reduction stepper: the `input_reduction` result's steps, one token removed per step,
// with a slider and play / pause.

import { tracker } from "./context.js";
import { fill, h } from "./dom.js";
import { className, currentMethods } from "./explanation.js";

const METHOD = "input_reduction";
const INTERVAL_MS = 600;

export function createReduction(ctx) {
  const compute = h("button", {
    type: "button",
    text: "Compute input reduction",
    onclick: () => ctx.explain({ methods: { ...currentMethods(ctx.explanation()), [METHOD]: ctx.defaults(METHOD) } }),
  });
  const emptyHint = h("span", { class: "ne-hint" });
  const empty = h("div", { class: "ne-empty" }, [
    h("p", { text: `No input reduction yet: add ${METHOD} to the methods to step through it.` }),
    h("div", { class: "ne-bar" }, [compute, emptyHint]),
  ]);

  const play = h("button", { type: "button", class: "ne-play", onclick: () => (timer ? stop() : start()) });
  const slider = h("input", {
    type: "range",
    min: 0,
    step: 1,
    "data-testid": "ne-reduction-slider",
    "aria-label": "Reduction step",
    oninput: () => ctx.set({ reduction_step: Number(slider.value) }),
  });
  const position = h("span", { class: "ne-muted" });
  const summary = h("p", { class: "ne-reduction-summary" });
  const tokens = h("div", { class: "ne-tokens" });
  const step = h("div", { class: "ne-reduction-step", "data-testid": "ne-reduction-step" }, [summary, tokens]);
  const final = h("p", { class: "ne-hint" });
  const stepper = h("div", {}, [h("div", { class: "ne-bar" }, [play, slider, position]), step, final]);
  const el = h("div", { class: "ne-reduction" }, [empty, stepper]);

  let timer = null;
  let steps = [];
  const stepChanged = tracker();
  const explanationChanged = tracker();

  const currentStep = () => Math.min(Math.max(Math.trunc(Number(ctx.get("reduction_step")) || 0), 0), steps.length - 1);

  function stop() {
    clearInterval(timer);
    timer = null;
    play.textContent = "▶ Play";
  }

  function start() {
    if (currentStep() >= steps.length - 1) ctx.set({ reduction_step: 0 });
    play.textContent = "❚❚ Pause";
    timer = setInterval(() => {
      const next = currentStep() + 1;
      if (next < steps.length) ctx.set({ reduction_step: next });
      if (next >= steps.length - 1) stop();
    }, INTERVAL_MS);
  }

  function showStep(exp, index) {
    const s = steps[index];
    const target = exp.classNames[exp.target] ?? String(exp.target);
    const probability = Number(s.probability);
    slider.max = String(steps.length - 1);
    slider.value = String(index);
    position.textContent = ` step ${index} of ${steps.length - 1}`;
    step.setAttribute("data-step", String(index));
    step.setAttribute("data-probability", String(probability));
    const removed =
      s.removed === null || s.removed === undefined ? "the full input" : `removed ${describePiece(exp, s.removed)}`;
    summary.textContent = `Step ${index}: ${removed} · p(${target}) = ${probability.toFixed(3)} · predicted ${className(exp, s.label)}`;
    const remaining = new Set(s.remaining);
    const unit = (i) =>
      remaining.has(i)
        ? h("span", { class: "ne-tok", "data-index": i, text: pieceText(exp.tokens[i]) })
        : h("s", {
            class: i === s.removed ? "ne-tok ne-removed ne-removed-now" : "ne-tok ne-removed",
            "data-index": i,
            text: pieceText(exp.tokens[i]),
          });
    // the tokens grouped into the words users read: a word's pieces sit together, without the
    // tokenizer's markers; special tokens are left out
    fill(
      tokens,
      wordGroups(exp).map((group) => h("span", { class: "ne-word" }, group.map(unit))),
    );
  }

  return {
    el,
    update(active) {
      const exp = ctx.explanation();
      if (explanationChanged(exp) || !active) stop();
      if (!active || !exp) return;
      steps = exp.byName.get(METHOD)?.reductionSteps ?? [];
      empty.hidden = steps.length > 0;
      stepper.hidden = steps.length === 0;
      if (steps.length === 0) {
        const supported = Boolean(ctx.metadata(METHOD));
        compute.disabled = !ctx.canSend() || !supported;
        compute.hidden = !ctx.editable();
        emptyHint.textContent = !ctx.editable()
          ? ctx.readOnlyHint()
          : supported
            ? ""
            : `This model does not support ${METHOD}.`;
        return;
      }
      play.disabled = steps.length < 2;
      const index = currentStep();
      if (stepChanged(exp, index)) {
        showStep(exp, index);
        const kept = new Set(steps[steps.length - 1].remaining);
        const finalWords = wordGroups(exp)
          .map((group) =>
            group
              .filter((i) => kept.has(i))
              .map((i) => pieceText(exp.tokens[i]))
              .join(""),
          )
          .filter(Boolean);
        final.textContent = finalWords.length ? `Final reduced input: ${finalWords.join(" ")}` : "";
      }
    },
    destroy: stop,
  };
}

/** A token as it reads inside its word: without WordPiece's "##", BPE's "Ġ" or SentencePiece's "▁". */
export function pieceText(token) {
  return token.replace(/^(##|Ġ|▁)/, "");
}

/** The non-special token indices grouped by word, in text order. */
function wordGroups(exp) {
  const groups = [];
  for (let i = 0; i < exp.tokens.length; i++) {
    if (exp.specialMask[i]) continue;
    const last = groups[groups.length - 1];
    if (last && exp.wordIndex[i] >= 0 && exp.wordIndex[last[last.length - 1]] === exp.wordIndex[i]) last.push(i);
    else groups.push([i]);
  }
  return groups;
}

/** “piece”, or “piece” (of “word”) when the word has several pieces. */
function describePiece(exp, i) {
  const piece = `“${pieceText(exp.tokens[i])}”`;
  const word = exp.words[exp.wordIndex[i]];
  return word !== undefined && word !== pieceText(exp.tokens[i]) ? `${piece} (of “${word}”)` : piece;
}
