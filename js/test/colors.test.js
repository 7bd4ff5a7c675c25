import assert from "node:assert/strict";
import test from "node:test";
import { chipColor, cssColor, paint, scaleColor, scaleGradient, textColor } from "../src/colors.js";
import "../testing/helpers.js"; // a document

test("diverging scale: blue at −1, light grey at 0, orange at +1, clamped beyond", () => {
  assert.deepEqual(scaleColor(-1, true), [0x21, 0x66, 0xac]);
  assert.deepEqual(scaleColor(0, true), [0xf7, 0xf7, 0xf7]);
  assert.deepEqual(scaleColor(1, true), [0xb3, 0x58, 0x06]);
  assert.deepEqual(scaleColor(3, true), scaleColor(1, true));
  assert.deepEqual(scaleColor(-0.5, true), [0x92, 0xc5, 0xde]);
});

test("sequential scale for unsigned scores: white to purple", () => {
  assert.deepEqual(scaleColor(0, false), [0xfc, 0xfb, 0xfd]);
  assert.deepEqual(scaleColor(1, false), [0x3f, 0x00, 0x7d]);
  assert.deepEqual(scaleColor(-1, false), scaleColor(1, false));
});

test("text colour contrasts with the background", () => {
  assert.equal(textColor(scaleColor(0, true)), "#000");
  assert.equal(textColor(scaleColor(-1, true)), "#fff");
  assert.equal(textColor(scaleColor(1, false)), "#fff");
  assert.equal(textColor([255, 255, 0]), "#000");
});

test("the legend gradient runs from one end of the scale to the other", () => {
  const gradient = scaleGradient(true);
  assert.ok(gradient.startsWith(`linear-gradient(to right, ${cssColor([0x21, 0x66, 0xac])}`));
  assert.ok(gradient.endsWith(`${cssColor([0xb3, 0x58, 0x06])})`));
  assert.ok(scaleGradient(false).endsWith(`${cssColor([0x3f, 0x00, 0x7d])})`));
});

test("a weak unit keeps its side's hue and fades by opacity, the strongest keeps the full colour", () => {
  const [r, , b] = chipColor(0.01, true);
  assert.ok(r - b > 40, "a weakly positive chip is tinted orange, not grey-white");
  const [r2, , b2] = chipColor(-0.01, true);
  assert.ok(b2 - r2 > 40, "a weakly negative chip is tinted blue");
  assert.deepEqual(chipColor(1, true), scaleColor(1, true));
  assert.deepEqual(chipColor(-1, true), scaleColor(-1, true));
  assert.deepEqual(chipColor(1, false), scaleColor(1, false));
  const el = document.createElement("span");
  paint(el, 0.01, true);
  assert.match(el.style.backgroundColor, /^rgba\(.*, 0\.10*\)$/); // √0.01
  paint(el, 1, true);
  assert.equal(el.style.backgroundColor, cssColor(scaleColor(1, true)));
});
