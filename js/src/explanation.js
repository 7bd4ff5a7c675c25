// The `explanation` trait decoded once into what the views read: typed arrays, and every
// method's scores at both levels with their scale, importance order and ranks.

import { decodeArray } from "./codec.js";
import { levelData, wordScores } from "./scores.js";

export function prepareExplanation(raw) {
  const tokens = raw.tokens.map(String);
  const words = raw.words.map(String);
  const wordIndex = decodeArray(raw.word_index);
  const specialMask = decodeArray(raw.special_mask);
  const probabilities = decodeArray(raw.probabilities);
  const units = {
    token: { labels: tokens, skip: specialMask },
    word: { labels: words, skip: new Uint8Array(words.length) },
  };
  const results = raw.results.map((r) => {
    const tokenScores = decodeArray(r.scores);
    return {
      name: String(r.name),
      family: String(r.family ?? ""),
      signed: Boolean(r.signed),
      params: r.params ?? {},
      seconds: Number(r.seconds ?? 0),
      info: r.info ?? {},
      levels: {
        token: levelData(Float64Array.from(tokenScores), specialMask),
        word: levelData(wordScores(tokenScores, wordIndex, words.length), units.word.skip),
      },
    };
  });
  return {
    text: String(raw.text ?? ""),
    tokens,
    words,
    classNames: raw.class_names.map(String),
    target: raw.target,
    output: String(raw.output ?? ""),
    modelName: String(raw.model_name ?? ""),
    truncatedTokens: Number(raw.truncated_tokens ?? 0),
    specialMask,
    probabilities,
    predicted: probabilities.reduce((best, p, i) => (p > probabilities[best] ? i : best), 0),
    units,
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
