// Arrays in the widget state: {dtype, shape, data} with `data` a DataView (ipywidgets binary
// buffer) or {dtype, shape, b64} (static export). Decoded to typed arrays.

const TYPES = { "<f4": Float32Array, "<i4": Int32Array, "|u1": Uint8Array };

function base64Bytes(b64) {
  const binary = atob(b64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function copiedBytes(data) {
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0));
  throw new Error("array data must be a DataView, a typed array or an ArrayBuffer");
}

/**
 * A typed array over a fresh copy of the bytes, so the source buffer's alignment never matters.
 * Byte order is the host's: little-endian on every platform a browser runs on, like "<f4".
 */
export function decodeArray(array) {
  const Type = TYPES[array?.dtype];
  if (!Type) throw new Error(`unsupported array dtype ${JSON.stringify(array?.dtype)}`);
  const bytes = typeof array.b64 === "string" ? base64Bytes(array.b64) : copiedBytes(array.data);
  const length = array.shape.reduce((a, b) => a * b, 1);
  if (bytes.byteLength !== length * Type.BYTES_PER_ELEMENT) {
    throw new Error(`array of shape [${array.shape}] and dtype ${array.dtype} has ${bytes.byteLength} bytes`);
  }
  return new Type(bytes.buffer);
}
