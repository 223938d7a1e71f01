/**
 * Probabilities stored compactly: each value as uint16, round(p · 65535), little-endian. The
 * error of a stored value is at most ½ / 65535 ≈ 7.6e-6.
 */

/** The largest difference between a probability and its stored value. */
export const QUANTISATION_ERROR = 0.5 / 65535;

/** Probabilities in [0, 1] (clamped) as little-endian uint16 bytes. */
export function encodeProbabilities(values: ArrayLike<number>): Buffer {
  const out = Buffer.allocUnsafe(values.length * 2);
  for (let i = 0; i < values.length; i++) {
    const p = values[i] as number;
    if (Number.isNaN(p)) throw new RangeError(`probability ${i} is NaN`);
    out.writeUInt16LE(Math.round(Math.min(1, Math.max(0, p)) * 65535), i * 2);
  }
  return out;
}

/** The probabilities stored by `encodeProbabilities`. */
export function decodeProbabilities(bytes: Uint8Array): Float32Array {
  if (bytes.length % 2 !== 0)
    throw new RangeError(`stored probabilities: ${bytes.length} bytes is not a whole number of uint16`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = view.getUint16(i * 2, true) / 65535;
  return out;
}
