// The text box (two, labelled, for a sentence pair) and its Run button (Ctrl/Cmd+Enter runs too).

import { tracker } from "./context.js";
import { h } from "./dom.js";

export function createEditor(ctx) {
  const textarea = h("textarea", {
    class: "ne-text",
    rows: 2,
    "aria-label": "Text to explain",
    "data-testid": "ne-text",
    spellcheck: "false",
  });
  const pairArea = h("textarea", {
    class: "ne-text",
    rows: 2,
    "aria-label": "Second text of the pair",
    "data-testid": "ne-text-pair",
    spellcheck: "false",
  });
  const textLabel = h("span", { class: "ne-text-label", text: "Text (first of the pair)" });
  const pairBox = h("label", { class: "ne-text-box", hidden: true }, [
    h("span", { class: "ne-text-label", text: "Second text (text_pair)" }),
    pairArea,
  ]);
  const run = h("button", { type: "button", class: "ne-primary", text: "Run", onclick: () => submit() });
  const hint = h("span", { class: "ne-hint" });
  const el = h("div", { class: "ne-editor" }, [
    h("label", { class: "ne-text-box" }, [textLabel, textarea]),
    pairBox,
    h("div", { class: "ne-bar" }, [run, hint]),
  ]);
  const changed = tracker();

  function submit() {
    const exp = ctx.explanation();
    const text = textarea.value;
    const textPair = exp?.textPair === null || exp?.textPair === undefined ? null : pairArea.value;
    // the same input keeps its target class; a new one explains its own prediction
    const same = exp && text === exp.text && textPair === exp.textPair;
    ctx.explain({ text, textPair, target: same ? exp.target : null });
  }

  for (const area of [textarea, pairArea]) {
    area.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        submit();
      }
    });
  }

  return {
    el,
    update() {
      const exp = ctx.explanation();
      if (changed(exp)) {
        textarea.value = exp ? exp.text : "";
        pairArea.value = exp?.textPair ?? "";
      }
      const pair = exp?.textPair !== null && exp?.textPair !== undefined;
      pairBox.hidden = !pair;
      textLabel.hidden = !pair; // one text needs no label
      textarea.readOnly = pairArea.readOnly = !ctx.editable();
      run.disabled = !ctx.canSend();
      run.hidden = !ctx.editable();
      hint.textContent = ctx.readOnlyHint();
      hint.hidden = ctx.editable() || !hint.textContent;
    },
  };
}
