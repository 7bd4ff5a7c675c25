// A kernel-less model for static pages: the same get / set / on / off interface as an anywidget
// model over a plain state object. Nothing can be recomputed, so send() explains that instead.

export const NEEDS_KERNEL =
  "Recomputing needs a running kernel: this is a static export. Open the explanation with Explainer.show(text) in a notebook.";

export function createStaticModel(state) {
  const values = { ...state };
  const listeners = new Map();
  const model = {
    get: (name) => values[name],
    set(name, value) {
      if (Object.is(values[name], value)) return;
      values[name] = value;
      for (const callback of [...(listeners.get(`change:${name}`) ?? [])]) callback(model, value);
    },
    on(event, callback) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(callback);
    },
    off(event, callback) {
      listeners.get(event)?.delete(callback);
    },
    save_changes() {},
    send() {
      model.set("error", NEEDS_KERNEL);
    },
  };
  return model;
}

/** Render every not yet rendered `div[data-ne-standalone]` from the JSON script that follows it. */
export function mountStandalone(doc, render) {
  for (const el of doc.querySelectorAll("div[data-ne-standalone]:not([data-ne-mounted])")) {
    el.setAttribute("data-ne-mounted", "");
    const script = el.nextElementSibling;
    try {
      if (!script || script.tagName !== "SCRIPT" || script.getAttribute("type") !== "application/json") {
        throw new Error('its state <script type="application/json"> must follow it');
      }
      render({ model: createStaticModel(JSON.parse(script.textContent)), el });
    } catch (err) {
      el.textContent = `notebook_explain could not show this explanation: ${err.message}`;
    }
  }
}
