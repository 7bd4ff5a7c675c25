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
      const held = ctx.get("confirm") ?? {};
      const seconds = held.seconds ?? {};
      const total = Object.values(seconds).reduce((a, b) => a + b, 0);
      const wasHidden = confirm.hidden;
      confirm.hidden = !total;
      confirmText.textContent = total
        ? `${describeRequest(held.request, ctx.explanation(), Object.keys(seconds))} will take about ` +
          `${formatSeconds(total)} on this machine (` +
          Object.entries(seconds)
            .map(([name, s]) => `${name} ${formatSeconds(s)}`)
            .join(", ") +
          "). "
        : "";
      // the prompt is what the user must answer next: bring it into view when it appears
      if (wasHidden && total) confirm.scrollIntoView?.({ block: "nearest" });
      const message = ctx.get("error") || "";
      error.hidden = !message;
      errorText.textContent = message;
    },
  };
}

/** "Computing lime for “negative” on a new text": what a held-back request would do. */
function describeRequest(request, exp, names) {
  if (request?.type === "sanity") return `The sanity check of ${names.join(", ") || "the methods"}`;
  const parts = [`Computing ${names.join(", ") || "the methods"}`];
  const target = request?.target;
  if (typeof target === "number" && exp?.classNames[target] !== undefined)
    parts.push(`for “${exp.classNames[target]}”`);
  if (exp && typeof request?.text === "string" && request.text !== exp.text) parts.push("on the edited text");
  return parts.join(" ");
}

function formatSeconds(seconds) {
  return seconds >= 90 ? `${Math.round(seconds / 60)} min` : `${Math.round(seconds)} s`;
}
