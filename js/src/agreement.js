// Agreement between two methods' scores over the same units.

/** Sort a copy of `values`, counting the pairs out of order (i < j, values[i] > values[j]). */
function mergeSortCountingInversions(values) {
  const n = values.length;
  let src = Float64Array.from(values);
  let dst = new Float64Array(n);
  let inversions = 0;
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let [i, j, k] = [lo, mid, lo];
      while (i < mid && j < hi) {
        if (src[j] < src[i]) {
          inversions += mid - i;
          dst[k++] = src[j++];
        } else dst[k++] = src[i++];
      }
      while (i < mid) dst[k++] = src[i++];
      while (j < hi) dst[k++] = src[j++];
    }
    [src, dst] = [dst, src];
  }
  return { sorted: src, inversions };
}

/** Pairs tied within the runs of a sorted sequence, `same(i - 1, i)` telling whether i extends the run. */
function tiedPairs(n, same) {
  let total = 0;
  let run = 1;
  for (let i = 1; i <= n; i++) {
    if (i < n && same(i - 1, i)) run++;
    else {
      total += (run * (run - 1)) / 2;
      run = 1;
    }
  }
  return total;
}

/**
 * Kendall's tau-b with tie correction: (concordant − discordant) / sqrt((n0 − n1)(n0 − n2)),
 * n0 = n(n−1)/2 pairs, n1 / n2 = pairs tied in a / in b. NaN when either vector is constant.
 * Knight's O(n log n) algorithm: sort by (a, b); the inversions left in b are the discordant pairs.
 */
export function kendallTauB(a, b) {
  const n = a.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[i] - a[j] || b[i] - b[j]);
  const tiedA = tiedPairs(n, (i, j) => a[order[i]] === a[order[j]]);
  const tiedBoth = tiedPairs(n, (i, j) => a[order[i]] === a[order[j]] && b[order[i]] === b[order[j]]);
  const { sorted, inversions: discordant } = mergeSortCountingInversions(order.map((i) => b[i]));
  const tiedB = tiedPairs(n, (i, j) => sorted[i] === sorted[j]);
  const pairs = (n * (n - 1)) / 2;
  const concordant = pairs - tiedA - tiedB + tiedBoth - discordant;
  const denominator = Math.sqrt((pairs - tiedA) * (pairs - tiedB));
  return denominator > 0 ? (concordant - discordant) / denominator : NaN;
}

/** |topk(a) ∩ topk(b)| / k, from two importance orders (unit indices by decreasing |score|). */
export function topKOverlap(orderA, orderB, k) {
  if (k <= 0) return NaN;
  const top = new Set(orderA.slice(0, k));
  let shared = 0;
  for (const unit of orderB.slice(0, k)) if (top.has(unit)) shared++;
  return shared / k;
}
