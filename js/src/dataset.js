// The dataset view (Explainer.browse): a run's rows as a table to sort, filter and search, one
// page at a time. The rows arrive as binary columns (the texts one UTF-8 buffer with offsets),
// so ordering ten thousand rows is a sort of typed arrays; only the page shown becomes DOM. A
// click on a row explains that text in the heatmap with the run's methods.

import { decodeArray } from "./codec.js";
import { tracker } from "./context.js";
import { fill, h } from "./dom.js";
import { formatScore } from "./scores.js";

export const PAGE_ROWS = 50;
/** Below this confidence a prediction counts as unsure in the "low confidence" filter. */
export const LOW_CONFIDENCE = 0.6;

export const FILTERS = {
  all: { label: "All rows", keep: () => true },
  misclassified: { label: "Misclassified", keep: (d, i) => d.columns.label[i] !== d.columns.prediction[i] },
  unsure: { label: `Confidence below ${LOW_CONFIDENCE}`, keep: (d, i) => d.columns.confidence[i] < LOW_CONFIDENCE },
};

/** The trait decoded: typed columns, the class names, and each row's text on demand. */
export function decodeDataset(raw) {
  const columns = Object.fromEntries(Object.entries(raw.columns).map(([name, a]) => [name, decodeArray(a)]));
  const bytes = decodeArray(raw.text);
  const offsets = decodeArray(raw.text_offsets);
  const decoder = new TextDecoder();
  const cache = new Map();
  let lowered = null;
  const data = {
    rows: raw.rows,
    classNames: raw.class_names,
    methods: raw.methods,
    columns,
    text(i) {
      if (!cache.has(i)) cache.set(i, decoder.decode(bytes.subarray(offsets[i], offsets[i + 1])));
      return cache.get(i);
    },
    /** Every text in lower case, decoded once on the first search. */
    lowered() {
      lowered ??= Array.from({ length: raw.rows }, (_, i) => data.text(i).toLowerCase());
      return lowered;
    },
  };
  return data;
}

/** The rows to show, in order: those the filter and the search keep, sorted by a column
 * (`row` is the dataset's order); ties keep the dataset's order. */
export function rowOrder(data, { filter = "all", query = "", sort = "row", descending = false }) {
  const keep = FILTERS[filter]?.keep ?? FILTERS.all.keep;
  const needle = query.trim().toLowerCase();
  const texts = needle ? data.lowered() : null;
  const rows = [];
  for (let i = 0; i < data.rows; i++) {
    if (keep(data, i) && (!texts || texts[i].includes(needle))) rows.push(i);
  }
  const order = Int32Array.from(rows);
  const values = data.columns[sort];
  if (values) {
    const sign = descending ? -1 : 1;
    order.sort((a, b) => {
      const [x, y] = [values[a], values[b]];
      // NaN (a metric that does not apply) sorts last either way
      if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) - Number.isNaN(y) || a - b;
      return sign * (x - y) || a - b;
    });
  } else if (descending) order.reverse();
  return order;
}

/** The table's columns: [key, heading, how a value reads]. */
function columnsOf(data) {
  const name = (i) => data.classNames[i] ?? String(i);
  const number = (v) => (Number.isNaN(v) ? "n/a" : formatScore(v));
  const columns = [["row", "#", (i) => String(i)]];
  columns.push(["text", "Text", null]);
  if (data.columns.label) columns.push(["label", "Label", (i) => name(data.columns.label[i])]);
  columns.push(["prediction", "Prediction", (i) => name(data.columns.prediction[i])]);
  columns.push(["confidence", "Confidence", (i) => data.columns.confidence[i].toFixed(3)]);
  if (data.columns.loss) columns.push(["loss", "Loss", (i) => data.columns.loss[i].toFixed(3)]);
  columns.push(["words", "Words", (i) => String(data.columns.words[i])]);
  for (const key of Object.keys(data.columns).filter((k) => k.includes("/"))) {
    columns.push([key, key.replace("/", " · "), (i) => number(data.columns[key][i])]);
  }
  return columns;
}

export function createDataset(ctx) {
  const state = { filter: "all", query: "", sort: "row", descending: false, page: 0 };
  const filter = h("select", {
    "aria-label": "Filter the rows",
    onchange: () => set({ filter: filter.value, page: 0 }),
  });
  const search = h("input", {
    type: "search",
    placeholder: "Search the texts",
    "aria-label": "Search the texts",
    oninput: () => set({ query: search.value, page: 0 }),
  });
  const previous = h("button", {
    type: "button",
    text: "◀",
    "aria-label": "Previous page",
    onclick: () => set({ page: state.page - 1 }),
  });
  const next = h("button", {
    type: "button",
    text: "▶",
    "aria-label": "Next page",
    onclick: () => set({ page: state.page + 1 }),
  });
  const counter = h("span", { class: "ne-muted", "data-testid": "ne-dataset-count" });
  const table = h("table", { class: "ne-dataset-table", "data-testid": "ne-dataset" });
  const hint = h("p", { class: "ne-hint" });
  const suspects = h("section", { class: "ne-suspects", "data-testid": "ne-suspects" });
  const el = h("div", { class: "ne-dataset" }, [
    h("div", { class: "ne-bar" }, [filter, search, previous, counter, next]),
    h("div", { class: "ne-scroll-x" }, [table]),
    hint,
    suspects,
  ]);
  let data = null;
  let order = null;
  const decoded = tracker();

  function set(changes) {
    Object.assign(state, changes);
    order = changes.page === undefined || Object.keys(changes).length > 1 ? null : order;
    update(true);
  }

  function open(row) {
    if (!ctx.canSend()) return;
    ctx.explain({ text: data.text(row), textPair: null, target: null, contrast: null, methods: data.methods });
    ctx.set({ view: "heatmap" });
  }

  function heading([key, label, read]) {
    if (!read) return h("th", { scope: "col", class: "ne-dataset-text", text: label });
    const sorted = state.sort === key;
    return h("th", { scope: "col", "aria-sort": sorted ? (state.descending ? "descending" : "ascending") : "none" }, [
      h("button", {
        type: "button",
        class: "ne-sort",
        "data-column": key,
        text: `${label}${sorted ? (state.descending ? " ↓" : " ↑") : ""}`,
        onclick: () => set({ sort: key, descending: sorted ? !state.descending : key !== "row", page: 0 }),
      }),
    ]);
  }

  function render() {
    const columns = columnsOf(data);
    const pages = Math.max(1, Math.ceil(order.length / PAGE_ROWS));
    state.page = Math.min(Math.max(state.page, 0), pages - 1);
    const start = state.page * PAGE_ROWS;
    const shown = order.subarray(start, start + PAGE_ROWS);
    const live = ctx.editable();
    fill(table, [
      h("thead", {}, [h("tr", {}, columns.map(heading))]),
      h(
        "tbody",
        {},
        Array.from(shown, (row) =>
          h(
            "tr",
            {
              "data-row": row,
              "data-testid": "ne-dataset-row",
              class: live ? "ne-dataset-open" : null,
              title: live ? "Explain this text in the heatmap" : null,
              onclick: () => open(row),
            },
            columns.map(([key, , read]) =>
              key === "text"
                ? h("td", { class: "ne-dataset-text", title: data.text(row), text: data.text(row) })
                : h("td", { "data-column": key, text: read(row) }),
            ),
          ),
        ),
      ),
    ]);
    counter.textContent = order.length
      ? ` rows ${start + 1}–${start + shown.length} of ${order.length}` +
        (order.length < data.rows ? ` (of ${data.rows})` : "") +
        " "
      : " no row matches ";
    previous.disabled = state.page === 0;
    next.disabled = state.page >= pages - 1;
    hint.textContent = live
      ? "Click a column to sort by it; click a row to explain its text in the heatmap."
      : "Click a column to sort by it. Opening a row needs the kernel.";
  }

  function update(active) {
    const raw = ctx.get("dataset");
    if (!active || !raw?.rows) return;
    if (decoded(raw)) {
      fill(suspects, suspectList(raw.suspects));
      data = decodeDataset(raw);
      order = null;
      const filters = Object.entries(FILTERS).filter(([key]) => key !== "misclassified" || data.columns.label);
      fill(
        filter,
        filters.map(([key, f]) => h("option", { value: key, text: f.label })),
      );
    }
    filter.value = state.filter;
    order ??= rowOrder(data, state);
    render();
  }

  return { el, update };
}

/** Training examples whose labels may be wrong (Explainer.label_suspects), most suspect first. */
function suspectList(answer) {
  if (!answer?.items?.length) return [];
  const title =
    answer.ranking === "errors"
      ? "Training examples behind the errors: label-noise suspects"
      : "Label-noise suspects by self-influence";
  return [
    h("h4", { text: title }),
    h("p", { class: "ne-hint", text: String(answer.description) }),
    h(
      "ol",
      {},
      answer.items
        .slice(0, 20)
        .map((item) =>
          h("li", { "data-testid": "ne-suspect", "data-row": item.row }, [
            h("span", { class: "ne-badge", text: String(item.label) }),
            item.count == null ? " " : ` ×${item.count} `,
            h("span", { class: "ne-muted", text: `training row ${item.row}: ` }),
            h("span", { text: String(item.text) }),
          ]),
        ),
    ),
  ];
}
