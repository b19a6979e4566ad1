/**
 * Duplicate elimination against everything a strategy has asked for (pymoo's DuplicateElimination, widened from
 * the current population to the whole history), so that a strategy's asks are distinct candidates: a repeat costs
 * the study a lookup and the strategy a generation without news.
 *
 * The set is part of a strategy's saved state, so it is kept compact. Candidates are numbered in the grid (mixed
 * radix, core/space.ts gridIndex) and stored as
 * - a bitset over the whole space when it has at most BITSET_LIMIT candidates (llm-codesign: 4.7 kB);
 * - the numbers asked, as 32- or 64-bit integers, for larger numbered spaces (llm-hybrid: 4 bytes a candidate);
 * - the gene vectors, one byte (or two) a gene, for spaces beyond 2^53 candidates (fbnet).
 * Saved as base64 of those bytes: a checkpoint of 200,000 asked candidates is 1 MB, encoded natively.
 */
import type { Rng } from '../../../core/rng.js';
import { gridGenes, gridIndex, type Genes, type SearchSpace } from '../../../core/space.js';

/** Spaces up to this size are kept as a bitset (128 kB at the limit). */
export const BITSET_LIMIT = 2 ** 20;

type Mode = 'bits' | 'u32' | 'f64' | 'genes';

export interface SavedAskedSet {
  readonly mode: Mode;
  readonly count: number;
  /** base64 of the bitset, the numbers asked (little-endian) or the gene bytes, in ask order. */
  readonly data: string;
}

export class AskedSet {
  private readonly radix: readonly number[];
  private readonly total: number;
  private readonly mode: Mode;
  private bits: Uint8Array | undefined;
  private readonly numbers = new Set<number>();
  private readonly keys = new Set<string>();
  /** The numbers (or gene bytes) in ask order, for saving: grown by doubling. */
  private log: Uint8Array = new Uint8Array(0);
  private logBytes = 0;
  private count = 0;
  private readonly geneBytes: number;

  constructor(
    private readonly space: SearchSpace,
    saved?: SavedAskedSet,
  ) {
    this.radix = space.genes.map((g) => g.choices.length);
    this.total = space.size();
    this.geneBytes = this.radix.every((n) => n <= 256) ? 1 : 2;
    this.mode = this.total <= BITSET_LIMIT ? 'bits' : this.total <= 2 ** 32 ? 'u32' : this.total <= Number.MAX_SAFE_INTEGER ? 'f64' : 'genes';
    if (this.mode === 'bits') this.bits = new Uint8Array(Math.ceil(this.total / 8));
    if (saved) this.load(saved);
  }

  get size(): number {
    return this.count;
  }

  /** Whether every candidate of the space has been asked (only a numbered space can tell). */
  exhausted(): boolean {
    return this.mode !== 'genes' && this.count >= this.total;
  }

  has(g: Genes): boolean {
    if (this.mode === 'genes') return this.keys.has(this.space.key(g));
    const k = gridIndex(g, this.radix);
    if (k < 0) return false;
    return this.mode === 'bits' ? (this.bits![k >> 3] & (1 << (k & 7))) !== 0 : this.numbers.has(k);
  }

  /** Adds the candidate; false when it was already there. */
  add(g: Genes): boolean {
    if (this.mode === 'genes') {
      const key = this.space.key(g);
      if (this.keys.has(key)) return false;
      this.keys.add(key);
      this.append(g);
    } else {
      const k = gridIndex(g, this.radix);
      if (k < 0) throw new Error(`${this.space.id}: genes ${JSON.stringify(g)} are outside the space`);
      if (this.mode === 'bits') {
        const mask = 1 << (k & 7);
        if (this.bits![k >> 3] & mask) return false;
        this.bits![k >> 3] |= mask;
      } else {
        if (this.numbers.has(k)) return false;
        this.numbers.add(k);
        this.append(k);
      }
    }
    this.count++;
    return true;
  }

  /**
   * A candidate not asked yet: `sample` drawn up to `tries` times, then (numbered spaces) the first unasked number
   * from a random start; undefined when the space is used up (or, beyond 2^53 candidates, nothing new was drawn).
   */
  unasked(sample: () => Genes, rng: Rng, tries = 64): Genes | undefined {
    for (let t = 0; t < tries; t++) {
      const g = sample();
      if (!this.has(g)) return g;
    }
    if (this.mode === 'genes' || this.exhausted()) return undefined;
    const start = Math.floor(rng.next() * this.total);
    for (let s = 0; s < this.total; s++) {
      const k = (start + s) % this.total;
      const taken = this.mode === 'bits' ? (this.bits![k >> 3] & (1 << (k & 7))) !== 0 : this.numbers.has(k);
      if (!taken) return gridGenes(k, this.radix);
    }
    return undefined;
  }

  /** A random candidate not asked yet (drawn from the space, as unasked does), or undefined when it is used up. */
  randomUnasked(rng: Rng): Genes | undefined {
    return this.unasked(() => this.space.sample(rng), rng);
  }

  save(): SavedAskedSet {
    const bytes = this.mode === 'bits' ? this.bits! : this.log.subarray(0, this.logBytes);
    return { mode: this.mode, count: this.count, data: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') };
  }

  private append(item: number | Genes): void {
    const width = this.mode === 'u32' ? 4 : this.mode === 'f64' ? 8 : this.radix.length * this.geneBytes;
    if (this.logBytes + width > this.log.length) {
      const grown = new Uint8Array(Math.max(1024, 2 * this.log.length, this.logBytes + width));
      grown.set(this.log.subarray(0, this.logBytes));
      this.log = grown;
    }
    const view = new DataView(this.log.buffer, this.log.byteOffset);
    if (typeof item === 'number') {
      if (this.mode === 'u32') view.setUint32(this.logBytes, item, true);
      else view.setFloat64(this.logBytes, item, true);
    } else {
      for (let i = 0; i < item.length; i++) {
        if (this.geneBytes === 1) view.setUint8(this.logBytes + i, item[i]);
        else view.setUint16(this.logBytes + 2 * i, item[i], true);
      }
    }
    this.logBytes += width;
  }

  private load(saved: SavedAskedSet): void {
    if (saved.mode !== this.mode) throw new Error(`asked set saved as '${saved.mode}' for a space kept as '${this.mode}'`);
    const bytes = Buffer.from(saved.data, 'base64');
    if (this.mode === 'bits') {
      this.bits!.set(bytes.subarray(0, this.bits!.length));
      this.count = saved.count;
      return;
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const width = this.mode === 'u32' ? 4 : this.mode === 'f64' ? 8 : this.radix.length * this.geneBytes;
    for (let at = 0; at + width <= bytes.byteLength; at += width) {
      if (this.mode === 'genes') {
        const g = new Array<number>(this.radix.length);
        for (let i = 0; i < g.length; i++) g[i] = this.geneBytes === 1 ? view.getUint8(at + i) : view.getUint16(at + 2 * i, true);
        this.add(g);
      } else {
        const k = this.mode === 'u32' ? view.getUint32(at, true) : view.getFloat64(at, true);
        if (!this.numbers.has(k)) {
          this.numbers.add(k);
          this.append(k);
          this.count++;
        }
      }
    }
    if (this.count !== saved.count) throw new Error(`asked set: saved ${saved.count} candidates, read back ${this.count}`);
  }
}
