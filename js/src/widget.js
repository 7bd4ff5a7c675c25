// The anywidget entry point: render({model, el}) builds the views, keeps them in step with the
// model's traits and returns the cleanup function.

import { createCompare } from "./compare.js";
import { createDataset } from "./dataset.js";
import { TRAITS, createContext } from "./context.js";
import { h } from "./dom.js";
import { createEditor } from "./editor.js";
import { createCompareFaithfulness, createMethodFaithfulness } from "./faithfulness.js";
import { createHeatmap } from "./heatmap.js";
import { createHierarchy } from "./hierarchy.js";
import { createInfluence } from "./influence.js";
import { createMethodPanel } from "./methods.js";
import { createHeader } from "./prediction.js";
import { createReduction } from "./reduction.js";
import { createSanity } from "./sanity.js";
import { createStatus } from "./status.js";

// A view's panel holds its parts' elements in order, or what its `layout` makes of its parts.
const VIEWS = [
  {
    name: "heatmap",
    label: "Heatmap",
    parts: [createMethodPanel, createHeatmap, createMethodFaithfulness],
    // the heatmap right under the method row; what changes between methods (the description,
    // the parameters, faithfulness) below it, where it cannot move the heatmap
    layout: ([methods, heatmap, faithfulness]) => [
      methods.el,
      heatmap.el,
      h("details", { class: "ne-details", open: true }, [
        h("summary", { text: "Details: the method, its parameters and its faithfulness" }),
        methods.details,
        faithfulness.el,
      ]),
    ],
  },
  { name: "compare", label: "Compare methods", parts: [createCompare, createCompareFaithfulness, createSanity] },
  { name: "reduction", label: "Input reduction", parts: [createReduction] },
  { name: "hierarchy", label: "Hierarchy", parts: [createHierarchy] },
  { name: "influence", label: "Training influence", parts: [createInfluence] },
  // a dataset run's rows (Explainer.browse): the one view that needs no explanation
  { name: "dataset", label: "Dataset", parts: [createDataset], standalone: true },
];

const ARROWS = { ArrowLeft: -1, ArrowUp: -1, ArrowRight: 1, ArrowDown: 1 };

export function render({ model, el }) {
  const ctx = createContext(model);
  const always = [createEditor(ctx), createStatus(ctx), createHeader(ctx)];
  const tabs = VIEWS.map((view) => {
    const parts = view.parts.map((create) => create(ctx));
    return {
      name: view.name,
      parts,
      button: h("button", {
        type: "button",
        role: "tab",
        class: "ne-tab",
        text: view.label,
        onclick: () => ctx.set({ view: view.name }),
      }),
      panel: h(
        "div",
        { role: "tabpanel", class: `ne-panel ne-panel-${view.name}` },
        view.layout ? view.layout(parts) : parts.map((p) => p.el),
      ),
    };
  });
  const placeholder = h("p", { class: "ne-placeholder" });
  const body = h("div", { class: "ne-body" }, [
    h(
      "div",
      { class: "ne-tabs", role: "tablist" },
      tabs.map((t) => t.button),
    ),
    ...tabs.map((t) => t.panel),
  ]);
  // data-lm-suppress-shortcuts: JupyterLab and Notebook 7 leave the keys pressed in the widget to
  // it (their notebook shortcuts would take the arrows, and "d d" would delete the cell)
  const root = h(
    "div",
    { class: "ne-root", tabindex: 0, "data-lm-suppress-shortcuts": "true", onkeydown: cycleMethod },
    [...always.map((p) => p.el), placeholder, body],
  );

  // Arrow keys on the widget (not inside a form control) step through the computed methods.
  function cycleMethod(event) {
    const step = ARROWS[event.key];
    const result = ctx.result();
    if (!step || !result || event.target.closest?.("input, select, textarea")) return;
    const names = ctx.explanation().results.map((r) => r.name);
    event.preventDefault();
    event.stopPropagation(); // the notebook would move between cells
    ctx.set({ method: names[(names.indexOf(result.name) + step + names.length) % names.length] });
  }

  function update() {
    const exp = ctx.explanation();
    const browsing = Boolean(ctx.get("dataset")?.rows);
    placeholder.hidden = Boolean(exp) || browsing;
    placeholder.textContent =
      ctx.decodeError() ||
      (ctx.editable() ? "Nothing to show yet: type a text above and press Run." : "No explanation to show.");
    body.hidden = !exp && !browsing;
    const view = VIEWS.some((v) => v.name === ctx.get("view")) ? ctx.get("view") : "heatmap";
    for (const part of always) part.update();
    for (const tab of tabs) {
      const standalone = VIEWS.find((v) => v.name === tab.name).standalone;
      const shown = standalone ? browsing : Boolean(exp);
      const active = shown && tab.name === view;
      tab.button.setAttribute("aria-selected", String(active));
      // a static page's influence tab would only say that it needs a kernel
      tab.button.hidden =
        !shown || (tab.name === "influence" && !ctx.editable() && ctx.get("influence")?.status !== "ready");
      tab.panel.hidden = !active;
      for (const part of tab.parts) part.update(active);
    }
  }

  for (const trait of TRAITS) model.on(`change:${trait}`, update);
  el.append(root);
  const disconnect = ctx.connect(update);
  update();

  return () => {
    disconnect();
    for (const trait of TRAITS) model.off(`change:${trait}`, update);
    for (const tab of tabs) for (const part of tab.parts) part.destroy?.();
    root.remove();
  };
}

export default { render };
