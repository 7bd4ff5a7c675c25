// The busy indicator (with the kernel's progress text and a Cancel button) and the dismissible error.

import { h } from "./dom.js";

export function createStatus(ctx) {
  const statusText = h("span");
  const cancel = h("button", {
    type: "button",
    class: "ne-cancel",
    "data-testid": "ne-cancel",
    text: "Cancel",
    title: "Stop at the next batch and keep the previous result",
    onclick: () => ctx.cancel(),
  });
  const busy = h("div", { class: "ne-busy", "data-testid": "ne-busy", role: "status", hidden: true }, [
    h("span", { class: "ne-spinner", "aria-hidden": "true" }),
    statusText,
    cancel,
  ]);
  const errorText = h("span", { class: "ne-error-text" });
  const dismiss = h("button", {
    type: "button",
    class: "ne-dismiss",
    text: "×",
    "aria-label": "Dismiss the error",
    title: "Dismiss",
    onclick: () => ctx.set({ error: "" }),
  });
  const error = h("div", { class: "ne-error", "data-testid": "ne-error", role: "alert", hidden: true }, [
    errorText,
    dismiss,
  ]);
  const el = h("div", { class: "ne-status" }, [busy, error]);

  return {
    el,
    update() {
      busy.hidden = !ctx.get("busy");
      cancel.hidden = !ctx.editable();
      statusText.textContent = ctx.get("status") || "Computing…";
      const message = ctx.get("error") || "";
      error.hidden = !message;
      errorText.textContent = message;
    },
  };
}
