// The method toggle (with "add method", the runtime and, for attention, the caveat) as `el`, and
// the selected method's card as `details`: description, family, parameter controls with
// "Recompute". The heatmap view puts the heatmap between the two (widget.js).

import { tracker } from "./context.js";
import { fill, h } from "./dom.js";
import { currentMethods } from "./explanation.js";
import { paramControl } from "./params.js";
import { firstPaintNote, trustChips } from "./trust.js";

const CAVEAT =
  "Caution: these scores are not a faithful attribution. They show where the model looks, not why it " +
  "predicts what it does; do not read them as the reasons for the prediction.";

export function createMethodPanel(ctx) {
  const select = h("select", {
    "data-testid": "ne-method-select",
    "aria-label": "Attribution method",
    onchange: () => ctx.set({ method: select.value }),
  });
  const add = h("select", {
    class: "ne-add-method",
    "aria-label": "Add a method",
    onchange: () => {
      const name = add.value;
      add.value = "";
      if (name)
        ctx.explain({ methods: { ...currentMethods(ctx.explanation()), [name]: ctx.defaults(name) }, method: name });
    },
  });
  // ◀ ▶ step through the computed methods, as the arrow keys on the widget do
  const step = (by) => {
    const names = ctx.explanation()?.results.map((r) => r.name) ?? [];
    const at = names.indexOf(ctx.result()?.name);
    if (names.length > 1) ctx.set({ method: names[(at + by + names.length) % names.length] });
  };
  const previous = h("button", {
    type: "button",
    class: "ne-step",
    "data-testid": "ne-method-previous",
    "aria-label": "Previous method (← on the widget)",
    title: "Previous method (← on the widget)",
    text: "◀",
    onclick: () => step(-1),
  });
  const next = h("button", {
    type: "button",
    class: "ne-step",
    "data-testid": "ne-method-next",
    "aria-label": "Next method (→ on the widget)",
    title: "Next method (→ on the widget)",
    text: "▶",
    onclick: () => step(1),
  });
  const runtime = h("span", { class: "ne-muted" });
  const info = h("div", { class: "ne-method-info" });
  const caveat = h("div", { class: "ne-caveat", role: "note", text: CAVEAT, hidden: true });
  const trust = h("div", { class: "ne-trust-line", "data-testid": "ne-trust-line" });
  const params = h("div", { class: "ne-params" });
  const recompute = h("button", { type: "button", text: "Recompute", onclick: () => recomputeWith(readParams()) });
  const hint = h("span", { class: "ne-hint" });
  const el = h("div", { class: "ne-methods" }, [
    h("div", { class: "ne-bar" }, [
      h("label", { class: "ne-control" }, ["Method ", select]),
      previous,
      next,
      add,
      runtime,
    ]),
    trust,
    caveat,
  ]);
  const details = h("div", { class: "ne-method-card" }, [
    info,
    h("div", { class: "ne-params-bar" }, [params, recompute, hint]),
  ]);

  let controls = [];
  const optionsChanged = tracker();
  const cardChanged = tracker();
  const trustChanged = tracker();

  function readParams() {
    try {
      return Object.fromEntries(controls.map((c) => [c.name, c.read()]));
    } catch (err) {
      ctx.set({ error: err.message });
      return null;
    }
  }

  function recomputeWith(values) {
    const result = ctx.result();
    if (values && result) ctx.explain({ methods: { ...currentMethods(ctx.explanation()), [result.name]: values } });
  }

  return {
    el,
    details,
    update(active) {
      const result = ctx.result();
      if (!active || !result) return;
      const exp = ctx.explanation();
      const registered = ctx.get("methods") ?? [];
      const pending = (ctx.get("pending") ?? []).filter((name) => !exp.byName.has(name));
      if (optionsChanged(exp, registered, JSON.stringify(pending))) {
        // methods still computing are listed, greyed, so none seems to be missing
        fill(select, [
          ...exp.results.map((r) => h("option", { value: r.name, text: r.name })),
          ...pending.map((name) => h("option", { value: name, text: `${name} (computing…)`, disabled: true })),
        ]);
        const addable = registered
          .map((m) => m.name)
          .filter((name) => !exp.byName.has(name) && !pending.includes(name));
        fill(add, [
          h("option", { value: "", text: "+ add method…" }),
          ...addable.map((name) => h("option", { value: name, text: name })),
        ]);
      }
      select.value = result.name;
      const paintedFirst = ctx.get("painted_first");
      if (trustChanged(result, paintedFirst))
        fill(trust, [...trustChips(result), firstPaintNote(paintedFirst, result)]);
      trust.hidden = trust.childElementCount === 0;
      previous.disabled = next.disabled = exp.results.length < 2;
      runtime.textContent = runtimeText(result, ctx.get("waited")?.[result.name]);
      if (cardChanged(result, registered)) {
        const meta = ctx.metadata(result.name);
        fill(info, [
          h("span", { class: "ne-badge", text: result.family || meta?.family || "method" }),
          h("span", { class: "ne-badge", text: result.signed ? "signed" : "unsigned" }),
          meta?.description ? h("span", { text: meta.description }) : null,
        ]);
        caveat.hidden = meta?.faithful !== false;
        const specs = meta?.params ?? {};
        const names = [...new Set([...Object.keys(specs), ...Object.keys(result.params)])];
        controls = names.map((name) => {
          const spec = specs[name] ?? { default: result.params[name] };
          return paramControl(result.name, name, spec, result.params[name] ?? spec.default);
        });
        fill(
          params,
          controls.map((c) => c.el),
        );
      }
      // without a kernel (a static page, a display-only widget) there is nothing to recompute
      recompute.hidden = controls.length === 0 || !ctx.editable();
      add.hidden = add.options.length <= 1 || !ctx.editable();
      const canSend = ctx.canSend();
      recompute.disabled = !canSend;
      add.disabled = !canSend;
      hint.textContent = ctx.readOnlyHint();
      hint.hidden = ctx.editable() || !hint.textContent;
    },
  };
}

/** "computed in 2.10 s", and when the map waited behind the request's other methods (at least a
 * second, and half its own time, longer), how long it took from the request to the screen. */
export function runtimeText(result, waited) {
  const computed = `computed in ${result.seconds.toFixed(2)} s`;
  const queued = typeof waited === "number" ? waited - result.seconds : 0;
  if (queued < 1 || queued < 0.5 * result.seconds) return computed;
  return `${computed}, on screen after ${waited.toFixed(1)} s`;
}
