// The trust line beside the method name: each check the kernel made on this map for this input
// (result.checks: its own identity, and its agreement with leave-one-out), with ✓ or ⚠ and
// the figure; a map that runs against leave-one-out says so in words. Under it, why show()
// painted this map first (the painted_first trait).

import { h } from "./dom.js";

const percent = (v) => (v === null || v === undefined ? "n/a" : `${(100 * v).toFixed(v < 0.01 ? 2 : 1)} %`);

function describe(name, check) {
  if (check.pearson !== undefined) {
    const r = `r = ${check.pearson >= 0 ? "+" : "−"}${Math.abs(check.pearson).toFixed(2)}`;
    if (check.contradicts)
      return `runs against leave-one-out (${r}): the words it favours are not those whose removal moves the score`;
    return check.ok ? `agrees with leave-one-out (${r})` : `agrees weakly with leave-one-out (${r})`;
  }
  const steps = check.steps ? `, ${check.steps} steps` : "";
  return `${check.what ?? name} gap ${percent(check.relative)}${steps}`;
}

/** The trust line's chips for one result ([] when it has no checks). */
export function trustChips(result) {
  return Object.entries(result?.checks ?? {}).map(([name, check]) =>
    h("span", {
      class: `ne-trust ${check.ok ? "ne-trust-ok" : "ne-trust-warn"}`,
      "data-check": name,
      title: check.ok
        ? "Checked on this input: it holds."
        : "Checked on this input: it does not hold; read this map with care.",
      text: `${check.ok ? "✓" : "⚠"} ${describe(name, check)}`,
    }),
  );
}

/** Why this map was painted first, or null when it was not show()'s first paint. */
export function firstPaintNote(paintedFirst, result) {
  if (!paintedFirst?.reason || paintedFirst.method !== result?.name) return null;
  return h("div", { class: "ne-first-paint ne-muted", text: paintedFirst.reason });
}
