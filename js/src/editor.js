// The text box and its Run button (Ctrl/Cmd+Enter runs too).

import { tracker } from "./context.js";
import { h } from "./dom.js";

export function createEditor(ctx) {
  const textarea = h("textarea", { class: "ne-text", rows: 2, "aria-label": "Text to explain", spellcheck: "false" });
  const run = h("button", { type: "button", class: "ne-primary", text: "Run", onclick: () => submit() });
  const hint = h("span", { class: "ne-hint" });
  const el = h("div", { class: "ne-editor" }, [textarea, h("div", { class: "ne-bar" }, [run, hint])]);
  const changed = tracker();

  function submit() {
    const exp = ctx.explanation();
    const text = textarea.value;
    // the same text keeps its target class; a new text explains its own prediction
    ctx.explain({ text, target: exp && text === exp.text ? exp.target : null });
  }

  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      submit();
    }
  });

  return {
    el,
    update() {
      const exp = ctx.explanation();
      if (changed(exp)) textarea.value = exp ? exp.text : "";
      textarea.readOnly = !ctx.editable();
      run.disabled = !ctx.canSend();
      run.hidden = !ctx.editable();
      hint.textContent = ctx.readOnlyHint();
      hint.hidden = ctx.editable() || !hint.textContent;
    },
  };
}
