import { endianness } from 'node:os';

/**
 * Metrics and objectives as little-endian float64 blobs: a sixth of the bytes of their JSON, no text to format
 * or parse, and every value exact (Infinity and NaN included).
 */
const NATIVE_LE = endianness() === 'LE';

/** A reusable scratch buffer: better-sqlite3 copies a bound blob (SQLITE_TRANSIENT), so one write area serves every row. */
export class FloatPacker {
  private bytes = new ArrayBuffer(256);
  private f64 = new Float64Array(this.bytes);
  private views = new Map<number, Buffer>();

  /** Room for n values; fill `values` then call `blob(n)`. */
  values(n: number): Float64Array {
    if (n * 8 > this.bytes.byteLength) {
      this.bytes = new ArrayBuffer(Math.max(n * 8, this.bytes.byteLength * 2));
      this.f64 = new Float64Array(this.bytes);
      this.views.clear();
    }
    return this.f64;
  }

  /** The first n values as a blob to bind (valid until the next call). */
  blob(n: number): Buffer {
    if (!NATIVE_LE) {
      const out = Buffer.allocUnsafe(n * 8);
      for (let i = 0; i < n; i++) out.writeDoubleLE(this.f64[i], i * 8);
      return out;
    }
    let view = this.views.get(n);
    if (!view) {
      view = Buffer.from(this.bytes, 0, n * 8);
      this.views.set(n, view);
    }
    return view;
  }

  pack(values: readonly number[]): Buffer {
    const f = this.values(values.length);
    for (let i = 0; i < values.length; i++) f[i] = values[i];
    return this.blob(values.length);
  }
}

/** The values of a float64 blob. */
export function unpackFloats(blob: Uint8Array): number[] {
  const n = blob.byteLength >>> 3;
  const out = new Array<number>(n);
  if (NATIVE_LE && blob.byteOffset % 8 === 0) {
    const f = new Float64Array(blob.buffer, blob.byteOffset, n);
    for (let i = 0; i < n; i++) out[i] = f[i];
  } else {
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true);
  }
  return out;
}
