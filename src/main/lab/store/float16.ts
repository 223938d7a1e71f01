/**
 * IEEE 754 half-precision (float16) as little-endian bytes, for stored features: half the size
 * of float32, with a relative error of at most 2⁻¹¹ ≈ 4.9e-4 for normal values (|x| from
 * 6.1e-5 to 65504); larger values become ±Infinity, smaller ones subnormal or zero. Node 20 has
 * no Float16Array, hence the bit-level conversion (round to nearest, ties to even).
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float16 bits of a number (rounded to nearest even). */
export function toHalfBits(value: number): number {
  f32[0] = value;
  const x = u32[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0); // Infinity, NaN
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow: Infinity
  if (e <= 0) {
    // subnormal half (or zero)
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    const half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const midway = 1 << (shift - 1);
    return sign | (rest > midway || (rest === midway && (half & 1) === 1) ? half + 1 : half);
  }
  const half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // a carry out of the mantissa correctly bumps the exponent (up to Infinity)
  return sign | (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1) ? half + 1 : half);
}

let table: Float32Array | null = null;

/** Every float16 bit pattern's value (built once: 256 KiB). */
function halfTable(): Float32Array {
  if (table) return table;
  table = new Float32Array(65536);
  for (let bits = 0; bits < 65536; bits++) {
    const sign = bits & 0x8000 ? -1 : 1;
    const exponent = (bits >>> 10) & 0x1f;
    const mantissa = bits & 0x3ff;
    table[bits] =
      exponent === 0
        ? sign * mantissa * 2 ** -24
        : exponent === 0x1f
          ? mantissa === 0
            ? sign * Infinity
            : NaN
          : sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
  }
  return table;
}

/** Values as little-endian float16 bytes. */
export function encodeHalf(values: ArrayLike<number>): Buffer {
  const out = Buffer.allocUnsafe(values.length * 2);
  for (let i = 0; i < values.length; i++) out.writeUInt16LE(toHalfBits(values[i] as number), i * 2);
  return out;
}

/** The values stored by `encodeHalf`. */
export function decodeHalf(bytes: Uint8Array): Float32Array {
  if (bytes.length % 2 !== 0)
    throw new RangeError(`float16 values: ${bytes.length} bytes is not a whole number of values`);
  const lookup = halfTable();
  const out = new Float32Array(bytes.length / 2);
  for (let i = 0, j = 0; i < out.length; i++, j += 2)
    out[i] = lookup[(bytes[j] as number) | ((bytes[j + 1] as number) << 8)] as number;
  return out;
}
