import assert from "node:assert/strict";
import test from "node:test";
import { FILTERS, PAGE_ROWS, decodeDataset, rowOrder } from "../src/dataset.js";
import { mount, packArray, setValue } from "../testing/helpers.js";

/** A dataset trait as browse_payload sends it: `texts`, labels, predictions, confidences, an
 * aopc column with a NaN. */
function makeDataset(texts, { labels, predictions, confidence, aopc }) {
  const bytes = texts.map((t) => new TextEncoder().encode(t));
  const offsets = [0];
  for (const b of bytes) offsets.push(offsets.at(-1) + b.length);
  const text = new Uint8Array(offsets.at(-1));
  bytes.forEach((b, i) => text.set(b, offsets[i]));
  return {
    rows: texts.length,
    class_names: ["negative", "positive"],
    methods: { signed_grad_input: {} },
    columns: {
      label: packArray(labels, "<i4"),
      prediction: packArray(predictions, "<i4"),
      confidence: packArray(confidence, "<f4"),
      loss: packArray(
        confidence.map((c) => -Math.log(c)),
        "<f4",
      ),
      words: packArray(
        texts.map((t) => t.split(" ").length),
        "<i4",
      ),
      "aopc/signed_grad_input": packArray(aopc, "<f4"),
    },
    text: packArray(text, "|u1"),
    text_offsets: packArray(offsets, "<i4"),
  };
}

const TEXTS = ["a fine film", "dull", "naïve but warm — 好", "a gorgeous mess", "flat"];
const DATASET = makeDataset(TEXTS, {
  labels: [1, 0, 1, 0, 0],
  predictions: [1, 1, 1, 0, 0],
  confidence: [0.9, 0.55, 0.7, 0.52, 0.99],
  aopc: [0.1, NaN, 0.3, -0.2, 0.05],
});

test("the columns decode, texts included (UTF-8)", () => {
  const data = decodeDataset(DATASET);
  assert.equal(data.rows, 5);
  assert.deepEqual(
    Array.from({ length: 5 }, (_, i) => data.text(i)),
    TEXTS,
  );
  assert.deepEqual([...data.columns.prediction], [1, 1, 1, 0, 0]);
});

test("rows sort by any column, either way, NaN last, ties in dataset order", () => {
  const data = decodeDataset(DATASET);
  assert.deepEqual([...rowOrder(data, { sort: "confidence" })], [3, 1, 2, 0, 4]);
  assert.deepEqual([...rowOrder(data, { sort: "confidence", descending: true })], [4, 0, 2, 1, 3]);
  assert.deepEqual([...rowOrder(data, { sort: "aopc/signed_grad_input" })], [3, 4, 0, 2, 1]);
  assert.deepEqual([...rowOrder(data, { sort: "aopc/signed_grad_input", descending: true })], [2, 0, 4, 3, 1]);
  assert.deepEqual([...rowOrder(data, { sort: "prediction" })], [3, 4, 0, 1, 2]);
  assert.deepEqual([...rowOrder(data, { sort: "row", descending: true })], [4, 3, 2, 1, 0]);
});

test("filters and the search keep the rows they name", () => {
  const data = decodeDataset(DATASET);
  assert.deepEqual([...rowOrder(data, { filter: "misclassified" })], [1]);
  assert.deepEqual([...rowOrder(data, { filter: "unsure" })], [1, 3]);
  assert.deepEqual([...rowOrder(data, { query: "  FILM " })], [0]); // case-insensitive, trimmed
  assert.deepEqual([...rowOrder(data, { query: "a" })], [0, 2, 3, 4]);
  assert.deepEqual([...rowOrder(data, { query: "好" })], [2]);
  assert.deepEqual([...rowOrder(data, { filter: "unsure", query: "mess" })], [3]);
  assert.ok(FILTERS.unsure.label.includes("0.6"));
});

test("the view shows a page of rows; headers sort; a click explains the row's text", () => {
  const { $, $$, model } = mount({ explanation: null, dataset: DATASET, view: "dataset" });
  const rows = () => $$('[data-testid="ne-dataset-row"]').map((r) => Number(r.getAttribute("data-row")));
  assert.deepEqual(rows(), [0, 1, 2, 3, 4]);
  assert.equal($$('[data-testid="ne-dataset-row"]')[2].querySelector(".ne-dataset-text").textContent, TEXTS[2]);
  $('[data-column="confidence"].ne-sort').click(); // numbers sort from the largest first
  assert.deepEqual(rows(), [4, 0, 2, 1, 3]);
  $('[data-column="confidence"].ne-sort').click();
  assert.deepEqual(rows(), [3, 1, 2, 0, 4]);
  setValue($('select[aria-label="Filter the rows"]'), "misclassified");
  assert.deepEqual(rows(), [1]);
  assert.match($('[data-testid="ne-dataset-count"]').textContent, /rows 1–1 of 1 \(of 5\)/);
  $$('[data-testid="ne-dataset-row"]')[0].click();
  assert.deepEqual(model.sent.at(-1), {
    type: "explain",
    text: "dull",
    text_pair: null,
    target: null,
    contrast: null,
    methods: { signed_grad_input: {} },
    method: model.state.method,
  });
  assert.equal(model.state.view, "heatmap");
});

test("pages of PAGE_ROWS rows, with the counter and the page buttons", () => {
  const texts = Array.from({ length: PAGE_ROWS + 7 }, (_, i) => `text ${i}`);
  const n = texts.length;
  const dataset = makeDataset(texts, {
    labels: texts.map(() => 0),
    predictions: texts.map(() => 0),
    confidence: texts.map((_, i) => 0.5 + i / (2 * n)),
    aopc: texts.map(() => 0),
  });
  const { $, $$ } = mount({ explanation: null, dataset, view: "dataset" });
  assert.equal($$('[data-testid="ne-dataset-row"]').length, PAGE_ROWS);
  $('[aria-label="Next page"]').click();
  assert.equal($$('[data-testid="ne-dataset-row"]').length, 7);
  assert.match($('[data-testid="ne-dataset-count"]').textContent, new RegExp(`rows ${PAGE_ROWS + 1}–${n} of ${n}`));
  assert.ok($('[aria-label="Next page"]').disabled && !$('[aria-label="Previous page"]').disabled);
});

test("without a kernel the rows sort but do not open", () => {
  const { $, $$, model } = mount({ explanation: null, dataset: DATASET, view: "dataset" }, { kernel: false });
  $$('[data-testid="ne-dataset-row"]')[0].click();
  assert.equal(model.sent.length, 0);
  assert.match($(".ne-dataset .ne-hint").textContent, /needs the kernel/);
});

test("the dataset tab shows only with a dataset", () => {
  const { $$ } = mount();
  assert.ok($$(".ne-tab").find((b) => b.textContent === "Dataset").hidden);
});

test("label-noise suspects are listed under the table, as text", () => {
  const suspects = {
    ranking: "errors",
    method: "influence_function",
    examined: 7,
    description: "Each of the 7 misclassified rows counts <i>opponents</i>.",
    items: [
      { row: 12, count: 5, score: 0.3, text: "<b>not bold</b> a fine film", label: "negative" },
      { row: 3, count: 2, score: 0.1, text: "dull", label: "positive" },
    ],
  };
  const { $, $$ } = mount({ explanation: null, dataset: { ...DATASET, suspects }, view: "dataset" });
  const items = $$('[data-testid="ne-suspect"]');
  assert.deepEqual(
    items.map((li) => li.getAttribute("data-row")),
    ["12", "3"],
  );
  assert.match(items[0].textContent, /negative ×5 training row 12: <b>not bold<\/b> a fine film/);
  assert.equal($('[data-testid="ne-suspects"] b'), null);
  assert.match($('[data-testid="ne-suspects"]').textContent, /7 misclassified rows counts <i>/);
  assert.match($('[data-testid="ne-suspects"]').textContent, /behind the errors/);
});

test("self-influence suspects are listed without counts", () => {
  const suspects = {
    ranking: "self_influence",
    method: "tracin",
    examined: 0,
    description: "Every training example ranked by TracIn self-influence.",
    items: [{ row: 4, count: null, score: 2.5, text: "a gem", label: "negative" }],
  };
  const { $, $$ } = mount({ explanation: null, dataset: { ...DATASET, suspects }, view: "dataset" });
  const [item] = $$('[data-testid="ne-suspect"]');
  assert.equal(item.textContent, "negative training row 4: a gem");
  assert.match($('[data-testid="ne-suspects"]').textContent, /by self-influence/);
});
