import { endianness } from 'node:os';
import type { CandidateRecord, FinishedCandidate } from './types.js';

/**
 * Finished candidates packed many to a row (schema v6): one SQLite row per group commit instead of one row and one
 * random-key index entry per candidate, which cost 8–15 µs each. A batch is its content hashes (a JSON array of
 * strings), one little-endian float64 blob and, when some candidate failed, a JSON array of their errors.
 *
 * The blob, per candidate in order: seq, generation, flags (1 failed, 2 evalMs present), gene count, genes; then
 * for a done candidate: metric_keys id, metric count, metrics, objective count (-1: none), objectives, violation;
 * then evalMs when flagged. Every float64 is exact (genes, Infinity and NaN included).
 */
const NATIVE_LE = endianness() === 'LE';
const FAILED = 1;
const HAS_EVAL_MS = 2;

export interface EncodedBatch {
  readonly minSeq: number;
  readonly maxSeq: number;
  readonly hashes: string;
  /** The hashes as 8 bytes each, when all are 16 lowercase hex digits (what the hash index is rebuilt from). */
  readonly keys: Buffer | null;
  readonly data: Buffer;
  readonly errors: string | null;
}

/** Appends candidates to a growable float64 area; one per connection, reused across batches. */
export class BatchWriter {
  private f = new Float64Array(4096);
  private n = 0;
  private hashes: string[] = [];
  private keys = Buffer.alloc(8 * 1024);
  private keysOk = true;
  private errors: string[] = [];
  private minSeq = Infinity;
  private maxSeq = -Infinity;

  get size(): number {
    return this.hashes.length;
  }

  private room(k: number): Float64Array {
    if (this.n + k > this.f.length) {
      const g = new Float64Array(Math.max(this.f.length * 2, this.n + k));
      g.set(this.f.subarray(0, this.n));
      this.f = g;
    }
    return this.f;
  }

  /** Adds a finished candidate; `namesId` is the metric_keys id of `names` (the metrics' keys in order). */
  add(c: FinishedCandidate, names: readonly string[] | undefined, namesId: number): void {
    const genes = c.genes;
    const failed = c.status !== 'done';
    const obj = failed ? undefined : c.objectives;
    const nMetrics = names ? names.length : 0;
    const f = this.room(9 + genes.length + nMetrics + (obj ? obj.length : 0));
    let i = this.n;
    f[i++] = c.seq;
    f[i++] = c.generation;
    f[i++] = (failed ? FAILED : 0) | (c.evalMs != null ? HAS_EVAL_MS : 0);
    f[i++] = genes.length;
    for (let k = 0; k < genes.length; k++) f[i++] = genes[k];
    if (!failed) {
      f[i++] = namesId;
      f[i++] = nMetrics;
      const m = c.metrics as Readonly<Record<string, number>> | undefined;
      for (let k = 0; k < nMetrics; k++) f[i++] = m![names![k]];
      if (obj) {
        f[i++] = obj.length;
        for (let k = 0; k < obj.length; k++) f[i++] = obj[k];
      } else f[i++] = -1;
      f[i++] = c.violation ?? 0;
    } else this.errors.push(c.error ?? 'failed');
    if (c.evalMs != null) f[i++] = c.evalMs;
    this.n = i;
    const h = c.hash;
    const at = this.hashes.length * 8;
    if (this.keysOk) {
      if (at + 8 > this.keys.length) {
        const k = Buffer.alloc(this.keys.length * 2);
        this.keys.copy(k);
        this.keys = k;
      }
      if (h.length !== 16 || this.keys.write(h, at, 'hex') !== 8 || h !== h.toLowerCase()) this.keysOk = false;
    }
    this.hashes.push(h);
    if (c.seq < this.minSeq) this.minSeq = c.seq;
    if (c.seq > this.maxSeq) this.maxSeq = c.seq;
  }

  /** The batch so far (the writer is emptied). */
  take(): EncodedBatch {
    const n = this.n;
    let data: Buffer;
    if (NATIVE_LE) data = Buffer.from(this.f.buffer, 0, n * 8);
    else {
      data = Buffer.allocUnsafe(n * 8);
      for (let i = 0; i < n; i++) data.writeDoubleLE(this.f[i], i * 8);
    }
    const out = {
      minSeq: this.minSeq,
      maxSeq: this.maxSeq,
      hashes: JSON.stringify(this.hashes),
      keys: this.keysOk ? Buffer.from(this.keys.subarray(0, this.hashes.length * 8)) : null,
      data,
      errors: this.errors.length > 0 ? JSON.stringify(this.errors) : null,
    };
    this.clear();
    return out;
  }

  clear(): void {
    this.n = 0;
    this.hashes = [];
    this.keysOk = true;
    this.errors = [];
    this.minSeq = Infinity;
    this.maxSeq = -Infinity;
  }
}

function floats(blob: Uint8Array): Float64Array {
  const n = blob.byteLength >>> 3;
  if (NATIVE_LE && blob.byteOffset % 8 === 0) return new Float64Array(blob.buffer, blob.byteOffset, n);
  const out = new Float64Array(n);
  if (NATIVE_LE) new Uint8Array(out.buffer).set(blob.subarray(0, n * 8));
  else {
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true);
  }
  return out;
}

/**
 * One batch row, read: its candidates are decoded one at a time, on demand (a lookup of one candidate, or of the
 * genes of one seq, walks the floats without building the others).
 */
export class BatchReader {
  readonly hashes: string[];
  private readonly f: Float64Array;
  private readonly errorsText: string | null;
  private errors: string[] | undefined;
  /** Where each candidate starts in the floats, and how many failed candidates come before it. */
  private readonly offsets: Int32Array;
  private readonly failedBefore: Int32Array;
  private byHash: Map<string, number> | undefined;

  constructor(hashesText: string, data: Uint8Array, errorsText: string | null) {
    this.hashes = JSON.parse(hashesText) as string[];
    this.errorsText = errorsText;
    const f = floats(data);
    this.f = f;
    const n = this.hashes.length;
    this.offsets = new Int32Array(n);
    this.failedBefore = new Int32Array(n);
    let i = 0;
    let failed = 0;
    for (let c = 0; c < n; c++) {
      this.offsets[c] = i;
      this.failedBefore[c] = failed;
      const flags = f[i + 2];
      i += 4 + f[i + 3];
      if (flags & FAILED) failed++;
      else {
        i += 2 + f[i + 1];
        const nObj = f[i];
        i += 1 + (nObj > 0 ? nObj : 0) + 1;
      }
      if (flags & HAS_EVAL_MS) i++;
    }
  }

  get size(): number {
    return this.hashes.length;
  }

  seqAt(c: number): number {
    return this.f[this.offsets[c]];
  }

  indexOfHash(hash: string): number {
    if (!this.byHash) {
      this.byHash = new Map();
      for (let c = 0; c < this.hashes.length; c++) if (!this.byHash.has(this.hashes[c])) this.byHash.set(this.hashes[c], c);
    }
    return this.byHash.get(hash) ?? -1;
  }

  indexOfSeq(seq: number): number {
    for (let c = 0; c < this.offsets.length; c++) if (this.f[this.offsets[c]] === seq) return c;
    return -1;
  }

  genesAt(c: number): number[] {
    const f = this.f;
    let i = this.offsets[c] + 3;
    const n = f[i++];
    const genes = new Array<number>(n);
    for (let k = 0; k < n; k++) genes[k] = f[i++];
    return genes;
  }

  /** Candidate c as a record; `names` resolves a metric_keys id. */
  record(c: number, names: (id: number) => readonly string[]): CandidateRecord {
    const f = this.f;
    let i = this.offsets[c];
    const seq = f[i++];
    const generation = f[i++];
    const flags = f[i++];
    const genes = this.genesAt(c);
    i += 1 + genes.length;
    const hash = this.hashes[c];
    if (flags & FAILED) {
      this.errors ??= this.errorsText === null ? [] : (JSON.parse(this.errorsText) as string[]);
      const error = this.errors[this.failedBefore[c]];
      const evalMs = flags & HAS_EVAL_MS ? f[i++] : undefined;
      return { seq, hash, genes, generation, status: 'failed', violation: Infinity, error, ...(evalMs !== undefined ? { evalMs } : {}) };
    }
    const keys = names(f[i++]);
    const nMetrics = f[i++];
    const metrics: Record<string, number> = {};
    for (let k = 0; k < nMetrics; k++) metrics[keys[k]] = f[i++];
    const nObj = f[i++];
    let objectives: number[] | undefined;
    if (nObj >= 0) {
      objectives = new Array<number>(nObj);
      for (let k = 0; k < nObj; k++) objectives[k] = f[i++];
    }
    const violation = f[i++];
    const evalMs = flags & HAS_EVAL_MS ? f[i++] : undefined;
    return {
      seq,
      hash,
      genes,
      generation,
      status: 'done',
      metrics,
      ...(objectives !== undefined ? { objectives } : {}),
      violation,
      ...(evalMs !== undefined ? { evalMs } : {}),
    };
  }
}
