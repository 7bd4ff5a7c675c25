// The influence panel: training examples that most support (proponents) or oppose (opponents)
// the prediction (or one test token's saliency), each with its own word highlights, and a
// switch between the influence methods.

import { paint } from "./colors.js";
import { tracker } from "./context.js";
import { fill, h } from "./dom.js";
import { className } from "./explanation.js";
import { formatScore, maxAbs } from "./scores.js";

function highlightedText(item) {
  const words = Array.isArray(item.words) ? item.words.map(String) : [];
  if (words.length === 0) return h("p", { class: "ne-influence-text", text: String(item.text ?? "") });
  const scores = words.map((_, i) => Number(item.word_scores?.[i] ?? 0));
  const max = maxAbs(scores, []);
  return h(
    "div",
    { class: "ne-tokens ne-influence-text", title: String(item.text ?? "") },
    words.map((word, i) => {
      const span = h("span", { class: "ne-tok", title: `${word}\nscore ${formatScore(scores[i])}`, text: word });
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

/** The method select (when the kernel lists its methods), else the method's name. */
function methodSwitch(ctx, influence) {
  const methods = Array.isArray(influence.methods) ? influence.methods.map(String) : [];
  if (methods.length === 0) {
    return influence.method ? h("p", { class: "ne-muted", text: `Influence method: ${influence.method}` }) : null;
  }
  const select = h(
    "select",
    {
      class: "ne-influence-method",
      "data-testid": "ne-influence-method",
      "aria-label": "Influence method",
      onchange: () => ctx.influence(select.value),
    },
    [
      // a token query is no method of the list: say so instead of showing a blank select
      ...(aboutToken(influence) ? [h("option", { value: "", text: "(the clicked token)" })] : []),
      ...methods.map((name) => h("option", { value: name, text: name })),
    ],
  );
  select.value = aboutToken(influence) ? "" : String(influence.method);
  return h("label", { class: "ne-bar" }, ["Influence method ", select]);
}

const aboutToken = (influence) => influence.test_token !== null && influence.test_token !== undefined;

/** What was explained: the whole prediction, or one token's saliency; kNN's conformity. */
function subject(influence, exp) {
  const token = influence.test_token;
  const about = !aboutToken(influence)
    ? "Training examples behind the prediction"
    : `Training examples behind the saliency of “${exp?.tokens[token] ?? `token ${token}`}” (click another token to change it)`;
  const conformity =
    typeof influence.conformity === "number" ? ` · conformity ${(influence.conformity * 100).toFixed(0)}%` : "";
  return h("p", { class: "ne-muted", text: about + conformity });
}

export function createInfluence(ctx) {
  const el = h("div", { class: "ne-influence" });
  const changed = tracker();
  let asked = null; // the stale state already asked about
  return {
    el,
    update(active) {
      const influence = ctx.get("influence") ?? {};
      const exp = ctx.explanation();
      // the kernel ranks training examples only for an open panel: opening it asks for them
      if (active && influence.status === "stale" && asked !== influence && ctx.canSend()) {
        asked = influence;
        ctx.influence(influence.method);
      }
      if (active && changed(influence, exp)) rebuild(influence, exp);
      // on every update, not only on a rebuild: busy ends without a new ranking after an error
      const select = el.querySelector('[data-testid="ne-influence-method"]');
      if (select) select.disabled = !ctx.canSend();
    },
  };

  function rebuild(influence, exp) {
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
      methodSwitch(ctx, influence),
      subject(influence, exp),
      // the meaning in plain words; the formula on hover (or in full when there are no words)
      influence.hint || influence.sign_note
        ? h("p", {
            class: "ne-hint",
            "data-testid": "ne-influence-hint",
            text: String(influence.hint || influence.sign_note),
            title: String(influence.sign_note ?? ""),
          })
        : null,
      h("div", { class: "ne-influence-lists" }, [
        itemList("Proponents", "proponents", proponents, exp, scale),
        itemList("Opponents", "opponents", opponents, exp, scale),
      ]),
    ]);
  }
}
