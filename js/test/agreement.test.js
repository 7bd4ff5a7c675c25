import assert from "node:assert/strict";
import test from "node:test";
import { kendallTauB, topKOverlap } from "../src/agreement.js";
import { importanceOrder } from "../src/scores.js";

const close = (actual, expected) =>
  assert.ok(
    Number.isNaN(expected) ? Number.isNaN(actual) : Math.abs(actual - expected) < 1e-12,
    `${actual} ≠ ${expected}`,
  );

test("tau-b without ties", () => {
  // [1,2,3] vs [1,3,2]: pairs (0,1) C, (0,2) C, (1,2) D → (2 − 1) / 3 = 1/3
  close(kendallTauB([1, 2, 3], [1, 3, 2]), 1 / 3);
  close(kendallTauB([1, 2, 3, 4], [10, 20, 30, 40]), 1);
  close(kendallTauB([1, 2, 3, 4], [4, 3, 2, 1]), -1);
});

test("tau-b with ties in one vector", () => {
  // a = [1,1,2,3], b = [1,2,3,4]: n0 = 6 pairs; (0,1) tied in a; the other 5 concordant.
  // tau-b = 5 / sqrt((6 − 1)(6 − 0)) = 5 / sqrt(30)
  close(kendallTauB([1, 1, 2, 3], [1, 2, 3, 4]), 5 / Math.sqrt(30));
});

test("tau-b with ties in both vectors", () => {
  // a = [1,2,2,3], b = [1,2,3,3]: (0,1) (0,2) (0,3) (1,3) concordant, (1,2) tied in a, (2,3) tied in b
  // tau-b = 4 / sqrt((6 − 1)(6 − 1)) = 0.8
  close(kendallTauB([1, 2, 2, 3], [1, 2, 3, 3]), 0.8);
  // a = [1,1,2,2], b = [1,2,1,2]: C = 1 (0,3), D = 1 (1,2), 2 ties in each → 0
  close(kendallTauB([1, 1, 2, 2], [1, 2, 1, 2]), 0);
});

test("tau-b of a constant vector is undefined", () => {
  assert.ok(Number.isNaN(kendallTauB([1, 1, 1], [1, 2, 3])));
  assert.ok(Number.isNaN(kendallTauB([5], [5])));
});

// the definition, pair by pair
function bruteForceTauB(a, b) {
  let [concordant, discordant, tiedA, tiedB] = [0, 0, 0, 0];
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      const [da, db] = [Math.sign(a[i] - a[j]), Math.sign(b[i] - b[j])];
      if (da === 0) tiedA++;
      if (db === 0) tiedB++;
      if (da * db > 0) concordant++;
      if (da * db < 0) discordant++;
    }
  }
  const pairs = (a.length * (a.length - 1)) / 2;
  return (concordant - discordant) / Math.sqrt((pairs - tiedA) * (pairs - tiedB));
}

test("tau-b matches the pair-by-pair definition on random vectors with many ties", () => {
  let seed = 7;
  const random = (levels) => ((seed = (seed * 16807) % 2147483647) % levels) - levels / 2;
  for (const [n, levels] of [
    [2, 3],
    [13, 4],
    [50, 6],
    [200, 9],
    [301, 1000],
  ]) {
    const a = Array.from({ length: n }, () => random(levels));
    const b = Array.from({ length: n }, () => random(levels));
    close(kendallTauB(a, b), bruteForceTauB(a, b));
    close(kendallTauB(a, a), bruteForceTauB(a, a)); // 1, or NaN when constant
  }
});

test("top-k overlap by |score|", () => {
  const a = importanceOrder([0.9, -0.8, 0.1, 0.05]); // [0, 1, 2, 3]
  const b = importanceOrder([0.1, -0.7, 0.95, 0]); // [2, 1, 0, 3]
  assert.equal(topKOverlap(a, b, 1), 0); // {0} ∩ {2}
  assert.equal(topKOverlap(a, b, 2), 0.5); // {0, 1} ∩ {2, 1} = {1}
  assert.equal(topKOverlap(a, b, 3), 1); // {0, 1, 2} ∩ {2, 1, 0}
  assert.ok(Number.isNaN(topKOverlap(a, b, 0)));
});
