// The influence panel: training examples that most support (proponents) or oppose (opponents)
// the prediction, each with its own token highlights.

import { paint } from "./colors.js";
import { tracker } from "./context.js";
import { fill, h } from "./dom.js";
import { className } from "./explanation.js";
import { formatScore, maxAbs } from "./scores.js";

function highlightedText(item) {
  const tokens = Array.isArray(item.tokens) ? item.tokens.map(String) : [];
  if (tokens.length === 0) return h("p", { class: "ne-influence-text", text: String(item.text ?? "") });
  const scores = tokens.map((_, i) => Number(item.token_scores?.[i] ?? 0));
  const max = maxAbs(scores, []);
  return h(
    "div",
    { class: "ne-tokens ne-influence-text", title: String(item.text ?? "") },
    tokens.map((token, i) => {
      const span = h("span", { class: "ne-tok", title: `${token}\nscore ${formatScore(scores[i])}`, text: token });
      paint(span, scores[i] !== 0 ? scores[i] / max : null, true);
      return span;
    }),
  );
}

function itemList(title, kind, items, exp, scale) {
  return h("section", { class: `ne-influence-list ne-${kind}` }, [
    h("h4", { text: title }),
    items.length === 0 ? h("p", { class: "ne-muted", text: "None." }) : null,
    h(
      "ol",
      {},
      items.map((item, i) => {
        const score = Number(item.score);
        const bar = h("div", { class: "ne-meter-fill" });
        bar.style.width = `${scale > 0 ? (Math.abs(score) / scale) * 100 : 0}%`;
        return h("li", { class: "ne-influence-item", "data-testid": "ne-influence-item", "data-index": item.index }, [
          h("div", { class: "ne-bar" }, [
            h("span", { class: "ne-rank", text: `#${i + 1}` }),
            h("span", { class: "ne-badge", text: exp ? className(exp, item.label) : String(item.label) }),
            h("span", { class: "ne-number", text: formatScore(score) }),
            h("div", { class: "ne-meter" }, [bar]),
          ]),
          highlightedText(item),
        ]);
      }),
    ),
  ]);
}

export function createInfluence(ctx) {
  const el = h("div", { class: "ne-influence" });
  const changed = tracker();
  return {
    el,
    update(active) {
      const influence = ctx.get("influence") ?? {};
      const exp = ctx.explanation();
      if (!active || !changed(influence, exp)) return;
      if (influence.status !== "ready") {
        fill(el, [h("p", { class: "ne-empty", text: String(influence.message || "No training-data influence yet.") })]);
        return;
      }
      const proponents = influence.proponents ?? [];
      const opponents = influence.opponents ?? [];
      const scale = maxAbs(
        [...proponents, ...opponents].map((item) => Number(item.score)),
        [],
      );
      fill(el, [
        influence.sign_note ? h("p", { class: "ne-hint", text: String(influence.sign_note) }) : null,
        influence.method ? h("p", { class: "ne-muted", text: `Influence method: ${influence.method}` }) : null,
        h("div", { class: "ne-influence-lists" }, [
          itemList("Proponents", "proponents", proponents, exp, scale),
          itemList("Opponents", "opponents", opponents, exp, scale),
        ]),
      ]);
    },
  };
}
