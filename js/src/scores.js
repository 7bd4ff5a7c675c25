// Score vectors at the word and token level: aggregation, scale, importance order and ranks.

/** One score per word: the float64 sum, in token order, of its tokens' scores (word_index -1 is skipped). */
export function wordScores(tokenScores, wordIndex, nWords) {
  const out = new Float64Array(nWords);
  for (let i = 0; i < tokenScores.length; i++) {
    const w = wordIndex[i];
    if (w >= 0 && w < nWords) out[w] += tokenScores[i];
  }
  return out;
}

/** One score per span [start, end) of words: the sum of its word scores. */
export function spanScores(wordScoreArray, ranges) {
  return Float64Array.from(ranges, ([start, end]) => {
    let sum = 0;
    for (let w = start; w < end; w++) sum += wordScoreArray[w];
    return sum;
  });
}

/** Largest |score| over the units not skipped (skip: truthy entries are left out, e.g. special tokens). */
export function maxAbs(scores, skip) {
  let max = 0;
  for (let i = 0; i < scores.length; i++) if (!skip[i]) max = Math.max(max, Math.abs(scores[i]));
  return max;
}

/** Unit indices (skipped ones left out) by decreasing |score|; ties keep text order. */
export function importanceOrder(scores, skip = []) {
  const order = [];
  for (let i = 0; i < scores.length; i++) if (!skip[i]) order.push(i);
  order.sort((a, b) => Math.abs(scores[b]) - Math.abs(scores[a]) || a - b);
  return Int32Array.from(order);
}

/** Rank of each unit by |score| (1 = most important); 0 for skipped units. */
export function ranks(order, length) {
  const out = new Int32Array(length);
  order.forEach((unit, position) => (out[unit] = position + 1));
  return out;
}

/** How many units a top-k % keeps: max(1, round(n · k / 100)), 0 when there are none. */
export function topKCount(n, percent) {
  return n === 0 ? 0 : Math.min(n, Math.max(1, Math.round((n * percent) / 100)));
}

/** Everything the views need about one method at one level, computed once per explanation. */
export function levelData(scores, skip) {
  const order = importanceOrder(scores, skip);
  const values = Float64Array.from(order.slice().sort(), (i) => scores[i]);
  return {
    scores,
    max: maxAbs(scores, skip),
    order,
    ranks: ranks(order, scores.length),
    values, // the non-skipped scores in text order (what agreement compares)
    magnitudes: values.map(Math.abs),
  };
}

/** 4 significant digits. */
export function formatScore(score) {
  return Number.isFinite(score) ? score.toPrecision(4) : "–";
}
