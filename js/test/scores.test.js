import assert from "node:assert/strict";
import test from "node:test";
import { formatScore, importanceOrder, levelData, maxAbs, ranks, topKCount, wordScores } from "../src/scores.js";

test("word scores sum the word's token scores in float64 and skip special tokens", () => {
  const tokens = Float32Array.from([9, 0.1, 0.2, 0.3, -9]);
  const wordIndex = [-1, 0, 0, 1, -1];
  const words = wordScores(tokens, wordIndex, 2);
  assert.ok(words instanceof Float64Array);
  // the float32 values, summed as float64 in token order (what numpy's add.at gives)
  assert.equal(words[0], Math.fround(0.1) + Math.fround(0.2));
  assert.equal(words[1], Math.fround(0.3));
});

test("a word with no tokens (truncated) scores 0", () => {
  assert.deepEqual([...wordScores([1, 2], [0, 0], 2)], [3, 0]);
});

test("max |score| leaves skipped units out", () => {
  assert.equal(maxAbs([5, -0.5, 0.25, -7], [1, 0, 0, 1]), 0.5);
  assert.equal(maxAbs([], []), 0);
});

test("importance order and ranks by |score|, ties in text order", () => {
  const scores = [0.1, -0.9, 0.5, 0.5, 3];
  const skip = [0, 0, 0, 0, 1];
  const order = importanceOrder(scores, skip);
  assert.deepEqual([...order], [1, 2, 3, 0]);
  assert.deepEqual([...ranks(order, 5)], [4, 1, 2, 3, 0]);
});

test("top-k count is max(1, round(n * k / 100))", () => {
  assert.equal(topKCount(10, 25), 3); // round(2.5) = 3
  assert.equal(topKCount(10, 1), 1);
  assert.equal(topKCount(7, 100), 7);
  assert.equal(topKCount(0, 50), 0);
});

test("level data keeps the non-skipped scores in text order", () => {
  const data = levelData(Float64Array.from([0, -2, 1, 0]), [1, 0, 0, 1]);
  assert.equal(data.max, 2);
  assert.deepEqual([...data.values], [-2, 1]);
  assert.deepEqual([...data.magnitudes], [2, 1]);
  assert.deepEqual([...data.ranks], [0, 1, 2, 0]);
});

test("scores show 4 significant digits", () => {
  assert.equal(formatScore(0.123456), "0.1235");
  assert.equal(formatScore(-12.5), "-12.50");
  assert.equal(formatScore(NaN), "–");
});
