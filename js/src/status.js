// The busy indicator (with the kernel's progress text and a Cancel button), the question the
// kernel asks before a request it estimates at more than 10 seconds, and the dismissible error.
// The busy line has a slot of its own in a live widget, so the views below it never move when
// a computation starts or ends.

import { h } from "./dom.js";

export function createStatus(ctx) {
  const statusText = h("span", { class: "ne-busy-text" });
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
  const confirmText = h("span");
  const confirm = h("div", { class: "ne-confirm", "data-testid": "ne-confirm", role: "alert", hidden: true }, [
    confirmText,
    h("button", {
      type: "button",
      "data-testid": "ne-confirm-run",
      text: "Run anyway",
      onclick: () => ctx.confirm(true),
    }),
    h("button", {
      type: "button",
      "data-testid": "ne-confirm-drop",
      text: "Don't run",
      onclick: () => ctx.confirm(false),
    }),
  ]);
  const slot = h("div", { class: "ne-busy-slot", "data-testid": "ne-busy-slot" }, [busy]);
  const el = h("div", { class: "ne-status" }, [slot, confirm, error]);

  return {
    el,
    update() {
      busy.hidden = !ctx.get("busy");
      slot.hidden = !ctx.editable() && busy.hidden; // a display-only widget keeps no empty line
      cancel.hidden = !ctx.editable();
      statusText.textContent = ctx.get("status") || "Computing…";
      statusText.title = statusText.textContent; // one line in its slot: the whole text on hover
      const seconds = ctx.get("confirm")?.seconds ?? {};
      const total = Object.values(seconds).reduce((a, b) => a + b, 0);
      confirm.hidden = !total;
      confirmText.textContent = total
        ? `This will take about ${formatSeconds(total)} on this machine (` +
          Object.entries(seconds)
            .map(([name, s]) => `${name} ${formatSeconds(s)}`)
            .join(", ") +
          "). "
        : "";
      const message = ctx.get("error") || "";
      error.hidden = !message;
      errorText.textContent = message;
    },
  };
}

function formatSeconds(seconds) {
  return seconds >= 90 ? `${Math.round(seconds / 60)} min` : `${Math.round(seconds)} s`;
}
