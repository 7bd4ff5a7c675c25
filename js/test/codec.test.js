import assert from "node:assert/strict";
import test from "node:test";
import { decodeArray } from "../src/codec.js";
import { packArray } from "../testing/helpers.js";

test("decodes float32, int32 and uint8 arrays from DataViews", () => {
  assert.deepEqual([...decodeArray(packArray([0.5, -2, 3.25], "<f4"))], [0.5, -2, 3.25]);
  assert.deepEqual([...decodeArray(packArray([-1, 0, 7], "<i4"))], [-1, 0, 7]);
  assert.deepEqual([...decodeArray(packArray([1, 0, 255], "|u1"))], [1, 0, 255]);
});

test("copies the bytes, so a misaligned view decodes and later writes do not leak", () => {
  const buffer = new ArrayBuffer(13);
  new Float32Array(buffer, 0, 3).set([1.5, -0.25, 8]);
  const shifted = new Uint8Array(buffer, 0, 12).slice();
  const misaligned = new Uint8Array(new ArrayBuffer(13));
  misaligned.set(shifted, 1);
  const view = new DataView(misaligned.buffer, 1, 12); // byte offset 1: not float-aligned
  const decoded = decodeArray({ dtype: "<f4", shape: [3], data: view });
  assert.deepEqual([...decoded], [1.5, -0.25, 8]);
  misaligned.fill(0);
  assert.deepEqual([...decoded], [1.5, -0.25, 8]);
});

test("decodes base64 (static export) to the same values", () => {
  const values = [0.1, -0.2, 3e-8];
  const fromB64 = decodeArray(packArray(values, "<f4", "b64"));
  assert.deepEqual([...fromB64], [...Float32Array.from(values)]);
  assert.deepEqual([...decodeArray(packArray([-1, 4], "<i4", "b64"))], [-1, 4]);
});

test("rejects unknown dtypes and wrong sizes", () => {
  assert.throws(() => decodeArray({ dtype: "<f8", shape: [1], b64: "AAAAAAAAAAA=" }), /unsupported array dtype/);
  assert.throws(() => decodeArray({ dtype: "<f4", shape: [2], data: new DataView(new ArrayBuffer(4)) }), /has 4 bytes/);
});
