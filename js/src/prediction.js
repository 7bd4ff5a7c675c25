// The header: model name, the probability of each class (predicted class marked), the target
// class select, the "versus" select of a contrastive explanation (the target against another
// class) and the sub-word / word / phrase / clause toggle.

import { tracker } from "./context.js";
import { fill, h } from "./dom.js";

const LEVELS = [
  ["token", "Sub-word tokens"],
  ["word", "Words"],
  ["phrase", "Phrases"],
  ["clause", "Clauses"],
];

const SPAN_SOURCES = { sst: "the SST parse tree", chunker: "the built-in chunker", user: "your spans" };

export function createHeader(ctx) {
  const model = h("strong", { class: "ne-model" });
  const output = h("span", { class: "ne-muted" });
  const target = h("select", {
    class: "ne-target",
    "aria-label": "Target class",
    onchange: () => ctx.explain({ target: Number(target.value) }),
  });
  const versus = h("select", {
    class: "ne-contrast",
    "aria-label": "Explain against class",
    onchange: () => ctx.explain({ contrast: versus.value === "" ? null : Number(versus.value) }),
  });
  const truncated = h("span", { class: "ne-warning" });
  const bars = h("div", { class: "ne-prediction", "data-testid": "ne-prediction" });
  const note = h("p", { class: "ne-hint", "data-testid": "ne-target-note" });
  const levelButtons = LEVELS.map(([level, label]) =>
    h("button", {
      type: "button",
      class: "ne-toggle",
      "data-level": level,
      text: label,
      onclick: () => ctx.set({ level, selected_token: -1 }),
    }),
  );
  const el = h("div", { class: "ne-header" }, [
    h("div", { class: "ne-bar" }, [model, output, target, " versus ", versus, truncated]),
    bars,
    note,
    h("div", { class: "ne-bar ne-levels", role: "group", "aria-label": "Units" }, ["Show ", ...levelButtons]),
  ]);
  const changed = tracker();

  return {
    el,
    update() {
      const exp = ctx.explanation();
      el.hidden = !exp;
      if (!exp) return;
      if (changed(exp)) {
        model.textContent = exp.modelName || "model";
        output.textContent = ` · explaining the ${exp.output || "score"} of class`;
        fill(
          target,
          exp.classNames.map((name, i) => h("option", { value: i, text: name })),
        );
        target.value = String(exp.target);
        fill(versus, [
          h("option", { value: "", text: "no other class" }),
          ...exp.classNames.map((name, i) => (i === exp.target ? null : h("option", { value: i, text: name }))),
        ]);
        versus.value = exp.contrast === null ? "" : String(exp.contrast);
        truncated.textContent = exp.truncatedTokens ? `${exp.truncatedTokens} tokens truncated` : "";
        fill(
          bars,
          exp.classNames.map((name, i) => classRow(name, exp.probabilities[i], i === exp.predicted, i === exp.target)),
        );
        note.textContent = targetNote(exp);
        note.hidden = !note.textContent;
      }
      // while busy it keeps showing the class just asked for; while a request waits for the
      // user's go-ahead, the class that request would explain
      const held = ctx.get("confirm")?.request;
      if (typeof held?.target === "number") target.value = String(held.target);
      else if (!ctx.get("busy")) target.value = String(exp.target);
      target.disabled = versus.disabled = !ctx.canSend();
      target.title = ctx.editable() ? "Explain another class" : ctx.readOnlyHint();
      versus.title = ctx.editable()
        ? "Explain the target against another class: why this class rather than that one?"
        : ctx.readOnlyHint();
      for (const button of levelButtons) {
        const level = button.getAttribute("data-level");
        button.hidden = !exp.units[level];
        button.setAttribute("aria-pressed", String(level === ctx.level()));
        if (exp.spanSource && (level === "phrase" || level === "clause")) {
          button.title = `Spans from ${SPAN_SOURCES[exp.spanSource] ?? exp.spanSource}`;
        }
      }
    },
  };
}

/** What to keep in mind when reading the scores: another class than the predicted one, or a
 * multi-label model whose class probabilities are each their own. */
function targetNote(exp) {
  const notes = [];
  const target = exp.classNames[exp.target];
  if (exp.contrast !== null) {
    const foil = exp.classNames[exp.contrast];
    notes.push(
      `Explaining “${target}” versus “${foil}”: the scores are evidence for “${target}” rather than “${foil}” ` +
        `(the ${exp.output || "score"} of “${target}” minus that of “${foil}”).`,
    );
  }
  if (exp.head === "sigmoid") {
    notes.push("A multi-label model: each class's probability is its own, and they need not add up to 1.");
  } else if (exp.target !== exp.predicted) {
    notes.push(
      `Explaining “${target}”, not the predicted “${exp.classNames[exp.predicted]}”: ` +
        `the scores are evidence for “${target}”, and words that speak for the predicted class score negative.`,
    );
  }
  return notes.join(" ");
}

function classRow(name, probability, predicted, explained) {
  const fillBar = h("div", { class: "ne-meter-fill" });
  fillBar.style.width = `${(probability * 100).toFixed(1)}%`;
  return h(
    "div",
    {
      class: ["ne-class", predicted ? "ne-predicted" : "", explained ? "ne-explained" : ""].join(" ").trim(),
      "data-probability": String(probability),
    },
    [
      h("span", { class: "ne-class-name", text: name }),
      h("div", { class: "ne-meter" }, [fillBar]),
      h("span", { class: "ne-number", text: probability.toFixed(3) }),
      predicted ? h("span", { class: "ne-badge", text: "predicted" }) : null,
      explained ? h("span", { class: "ne-badge ne-badge-target", text: "explained" }) : null,
    ],
  );
}
