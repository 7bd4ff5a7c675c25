// The `explanation` trait decoded once into what the views read: typed arrays, and every
// method's scores at every level (token, word, and the phrase and clause spans when present)
// with their scale, importance order and ranks.

import { decodeArray } from "./codec.js";
import { levelData, spanScores, wordScores } from "./scores.js";

/** The span levels above words, finest first (the order of the level buttons). */
export const SPAN_LEVELS = ["phrase", "clause"];

/** The `[start, end)` word ranges of each span level the explanation carries. */
function spanRanges(raw, nWords) {
  const ranges = {};
  for (const level of SPAN_LEVELS) {
    const spans = raw.span_levels?.[level];
    if (!Array.isArray(spans) || spans.length === 0) continue;
    ranges[level] = spans.map(([start, end]) => [Math.max(0, Number(start)), Math.min(nWords, Number(end))]);
  }
  return ranges;
}

/** A method's scores for a span level: its own (REAT's span_scores) or its word scores summed. */
function spanLevelScores(ownScores, level, words, ranges) {
  const own = ownScores?.[level];
  return Array.isArray(own) && own.length === ranges.length
    ? Float64Array.from(own, Number)
    : spanScores(words, ranges);
}

/** The token where a sentence pair's second text starts (after a special token that follows
 * the first text's tokens), or -1 for a single text. */
function pairStartToken(specialMask) {
  let seenText = false;
  for (let i = 0; i < specialMask.length; i++) {
    if (!specialMask[i]) seenText = true;
    else if (seenText) {
      for (let j = i + 1; j < specialMask.length; j++) if (!specialMask[j]) return j;
      return -1;
    }
  }
  return -1;
}

export function prepareExplanation(raw) {
  const tokens = raw.tokens.map(String);
  const words = raw.words.map(String);
  const wordIndex = decodeArray(raw.word_index);
  const specialMask = decodeArray(raw.special_mask);
  const probabilities = decodeArray(raw.probabilities);
  const textPair = raw.text_pair == null ? null : String(raw.text_pair);
  // where the second text of a pair starts, at each level (-1: a single text)
  const pairToken = textPair === null ? -1 : pairStartToken(specialMask);
  const pairWord = pairToken < 0 ? -1 : wordIndex[pairToken];
  const units = {
    token: { labels: tokens, skip: specialMask, pairStart: pairToken },
    word: { labels: words, skip: new Uint8Array(words.length), pairStart: pairWord },
  };
  const ranges = spanRanges(raw, words.length);
  for (const [level, spans] of Object.entries(ranges)) {
    units[level] = {
      labels: spans.map(([start, end]) => words.slice(start, end).join(" ")),
      skip: new Uint8Array(spans.length),
      pairStart: pairWord < 0 ? -1 : spans.findIndex(([start]) => start >= pairWord),
    };
  }
  const results = raw.results.map((r) => {
    const tokenScores = decodeArray(r.scores);
    const word = wordScores(tokenScores, wordIndex, words.length);
    const levels = {
      token: levelData(Float64Array.from(tokenScores), specialMask),
      word: levelData(word, units.word.skip),
    };
    for (const [level, spans] of Object.entries(ranges)) {
      levels[level] = levelData(spanLevelScores(r.span_scores, level, word, spans), units[level].skip);
    }
    return {
      name: String(r.name),
      family: String(r.family ?? ""),
      signed: Boolean(r.signed),
      params: r.params ?? {},
      seconds: Number(r.seconds ?? 0),
      info: r.info ?? {},
      checks: r.checks && typeof r.checks === "object" ? r.checks : {},
      reductionSteps: Array.isArray(r.reduction_steps) ? r.reduction_steps : [],
      levels,
    };
  });
  return {
    text: String(raw.text ?? ""),
    textPair,
    tokens,
    words,
    classNames: raw.class_names.map(String),
    target: raw.target,
    contrast: Number.isInteger(raw.contrast) ? raw.contrast : null,
    output: String(raw.output ?? ""),
    modelName: String(raw.model_name ?? ""),
    truncatedTokens: Number(raw.truncated_tokens ?? 0),
    specialMask,
    wordIndex,
    probabilities,
    predicted: probabilities.reduce((best, p, i) => (p > probabilities[best] ? i : best), 0),
    units,
    spanRanges: ranges,
    spanSource: String(raw.span_source ?? ""),
    head: String(raw.head ?? "softmax"),
    results,
    byName: new Map(results.map((r) => [r.name, r])),
  };
}

/** A class label given as an index or a name, as its name. */
export function className(exp, label) {
  return typeof label === "number" && exp.classNames[label] !== undefined ? exp.classNames[label] : String(label);
}

/** The explain request's `methods`: each computed method with the parameters it ran with. */
export function currentMethods(exp) {
  return Object.fromEntries((exp?.results ?? []).map((r) => [r.name, { ...r.params }]));
}
