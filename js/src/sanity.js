// The sanity-check panel of the compare view: the kernel's model-randomisation check (the
// `sanity` trait, SanityCheck.to_json(); Adebayo et al. 2018). Per method, its rank correlation
// with its own original map as the model's layers are randomised from the top down, as a small
// curve, and a flag on the maps that survive randomisation (they cannot be explaining what the
// model learned). The button asks the kernel for it: every method runs again per layer.

import { tracker } from "./context.js";
import { fill, h } from "./dom.js";
import { curvePlot } from "./faithfulness.js";

const HINT =
  "Can we trust these heatmaps? The sanity check randomises the model's layers from the top down " +
  "and explains the text again after each: a map that stays the same is not explaining what the " +
  "model learned (Adebayo et al. 2018). Every method runs again per layer, in the kernel.";

function row(check, method) {
  const values = check.correlations[method] ?? [];
  const finite = values.filter((v) => typeof v === "number");
  const last = values.at(-1);
  const curve = {
    x: values.map((_, i) => i),
    y: values.map((v) => (typeof v === "number" ? v : 0)),
    x_label: "layers randomised (top down)",
    y_label: "rank correlation with the original map",
  };
  const flagged = check.flagged.includes(method);
  return h("tr", { "data-method": method }, [
    h("th", { scope: "row", text: method }),
    h("td", {}, [finite.length ? curvePlot(curve, [-1, 1]) : null]),
    h("td", { class: "ne-number", text: typeof last === "number" ? last.toFixed(2) : "n/a" }),
    h("td", {}, [
      flagged
        ? h("span", {
            class: "ne-badge ne-badge-warning",
            "data-testid": "ne-sanity-flag",
            text: "survives randomisation",
            title: `Its median correlation over the randomised stages is at least ${check.survives}: the map barely depends on the learned weights.`,
          })
        : h("span", { class: "ne-muted", text: "changes with the weights" }),
    ]),
  ]);
}

export function createSanity(ctx) {
  const button = h("button", {
    type: "button",
    "data-testid": "ne-sanity",
    text: "Sanity check",
    title: "Randomise the model's layers from the top down and explain again (in the kernel)",
    onclick: () => ctx.sanity(),
  });
  const body = h("div", { class: "ne-sanity-body" });
  const el = h("div", { class: "ne-sanity-panel" }, [h("div", { class: "ne-bar" }, [button]), body]);
  const changed = tracker();

  return {
    el,
    update(active) {
      const exp = ctx.explanation();
      if (!active || !exp) return;
      button.disabled = Boolean(ctx.get("busy"));
      button.hidden = !ctx.editable(); // randomising needs the kernel's model
      const check = ctx.get("sanity");
      if (!changed(check, exp)) return;
      if (!check?.methods?.length) {
        fill(body, ctx.editable() ? [h("p", { class: "ne-hint", text: HINT })] : []);
        return;
      }
      const stages = check.stages.length - 1;
      fill(body, [
        h("table", { class: "ne-table ne-sanity" }, [
          h("thead", {}, [
            h("tr", {}, [
              h("th", { text: "method" }),
              h("th", { text: `ρ of |scores| as ${stages} layers are randomised (${check.mode})` }),
              h("th", { text: "all" }),
              h("th", { text: "" }),
            ]),
          ]),
          h(
            "tbody",
            {},
            check.methods.map((method) => row(check, method)),
          ),
        ]),
      ]);
    },
  };
}
