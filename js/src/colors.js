// Colour scales (ColorBrewer, colour-blind safe). Signed scores: blue (against the target) –
// light grey – orange (for the target). Unsigned scores: white – purple. The stops live in the
// Python package (color_scale.json), which the static fallback HTML (report.py) reads too.

import SCALE from "../../notebook_explain/color_scale.json" with { type: "json" };

const hex = (c) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));

const NEGATIVE = SCALE.negative.map(hex); // RdBu, 0 → −1
const POSITIVE = SCALE.positive.map(hex); // PuOr, 0 → +1
const SEQUENTIAL = SCALE.sequential.map(hex); // Purples

function interpolate(stops, t) {
  const x = Math.min(Math.max(t, 0), 1) * (stops.length - 1);
  const i = Math.min(Math.floor(x), stops.length - 2);
  const f = x - i;
  return stops[i].map((c, k) => Math.round(c + (stops[i + 1][k] - c) * f));
}

/** [r, g, b] for a normalised score: in [−1, 1] when signed, |value| in [0, 1] when not. */
export function scaleColor(value, signed) {
  if (!signed) return interpolate(SEQUENTIAL, Math.abs(value));
  return value < 0 ? interpolate(NEGATIVE, -value) : interpolate(POSITIVE, value);
}

export const cssColor = ([r, g, b]) => `rgb(${r}, ${g}, ${b})`;

/** Black or white, whichever contrasts more with the background (WCAG relative luminance). */
export function textColor(rgb) {
  const [r, g, b] = rgb.map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return (luminance + 0.05) ** 2 > 0.0525 ? "#000" : "#fff"; // contrast with black > with white
}

/** CSS gradient of the whole scale, for the legend. */
export function scaleGradient(signed) {
  const stops = signed ? [...NEGATIVE.slice().reverse(), ...POSITIVE.slice(1)] : SEQUENTIAL;
  return `linear-gradient(to right, ${stops.map(cssColor).join(", ")})`;
}

/**
 * How opaque a unit's chip is for a normalised score: √|score|, so a weak unit fades into the
 * page, light or dark, instead of turning into a near-white chip that draws the eye on a dark
 * theme; the strongest units keep the scale's full colour.
 */
export const chipOpacity = (value) => Math.sqrt(Math.min(Math.abs(value), 1));

/** Above this opacity the chip is its own background and picks black or white text; below it
 * the page shows through, and the text keeps the page's colour. */
const OWN_TEXT_OPACITY = 0.8;

/** The share of the scale a chip's hue starts at: weak units keep a tint of their side's colour
 * (orange, blue or purple) and fade by opacity alone, instead of turning grey-white, which a dark
 * page would show as a grey chip. */
const TINT_FLOOR = 0.4;

/** The chip's hue for a normalised score: the scale's colour at TINT_FLOOR + (1 − TINT_FLOOR)·|score|. */
export const chipColor = (value, signed) =>
  scaleColor(Math.sign(value) * (TINT_FLOOR + (1 - TINT_FLOOR) * Math.min(Math.abs(value), 1)), signed);

/** Paint an element's background for a normalised score (null clears it). Replaces its inline style. */
export function paint(el, value, signed) {
  if (value === null) {
    el.style.cssText = "";
    return;
  }
  const rgb = chipColor(value, signed);
  const alpha = chipOpacity(value);
  const background = alpha >= 1 ? cssColor(rgb) : `rgba(${rgb.join(", ")}, ${alpha.toFixed(3)})`;
  el.style.cssText =
    `background-color: ${background}` + (alpha >= OWN_TEXT_OPACITY ? `; color: ${textColor(rgb)}` : "");
}
