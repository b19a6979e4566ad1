/**
 * Ridge regression on one-hot genes (plus an intercept) from sufficient statistics: the Gram matrix AᵀA and the
 * vector Aᵀy grow by one row at a time, so a model over any number of rows costs one (width+1)² update per row and
 * one Cholesky solve per fit — the cost of a strategy that learns online stays flat in the number of candidates.
 */
import type { Genes } from '../../../core/space.js';

export const RIDGE_LAMBDA = 1e-3;

/** Column offsets of each gene's one-hot block, and the total width (the intercept is column `width`). */
export interface OneHotLayout {
  readonly offsets: readonly number[];
  readonly width: number;
}

export function oneHotLayout(choiceCounts: readonly number[]): OneHotLayout {
  const offsets: number[] = [];
  let width = 0;
  for (const n of choiceCounts) {
    offsets.push(width);
    width += n;
  }
  return { offsets, width };
}

/** The active columns of a row: one per gene, then the intercept. */
function activeColumns(g: Genes, layout: OneHotLayout, out: Int32Array): Int32Array {
  for (let i = 0; i < g.length; i++) out[i] = layout.offsets[i] + g[i];
  out[g.length] = layout.width;
  return out;
}

/** AᵀA of a set of rows: n × n counts, n = width + 1. */
export class Gram {
  readonly n: number;
  private readonly idx: Int32Array;

  constructor(
    readonly layout: OneHotLayout,
    readonly counts: Float64Array = new Float64Array((layout.width + 1) ** 2),
    public rows = 0,
  ) {
    this.n = layout.width + 1;
    this.idx = new Int32Array(layout.offsets.length + 1);
  }

  add(g: Genes): void {
    const c = activeColumns(g, this.layout, this.idx);
    for (let p = 0; p < c.length; p++) for (let q = 0; q < c.length; q++) this.counts[c[p] * this.n + c[q]] += 1;
    this.rows++;
  }

  /** Adds y to Aᵀy for row g. */
  addTarget(target: Float64Array, g: Genes, y: number): void {
    const c = activeColumns(g, this.layout, this.idx);
    for (let p = 0; p < c.length; p++) target[c[p]] += y;
  }
}

/** A fitted model: weights per column, or none with fewer than three rows (it then predicts 0). */
export class Ridge {
  constructor(
    readonly weights: Float64Array | null,
    private readonly layout: OneHotLayout,
  ) {}

  /** Solves (AᵀA + λI) w = Aᵀy by Cholesky. */
  static solve(gram: Gram, target: Float64Array): Ridge {
    if (gram.rows < 3) return new Ridge(null, gram.layout);
    const n = gram.n;
    const a = Float64Array.from(gram.counts);
    for (let i = 0; i < n; i++) a[i * n + i] += RIDGE_LAMBDA;
    for (let j = 0; j < n; j++) {
      let d = a[j * n + j];
      for (let k = 0; k < j; k++) d -= a[j * n + k] * a[j * n + k];
      const ljj = Math.sqrt(Math.max(d, 1e-12));
      a[j * n + j] = ljj;
      for (let i = j + 1; i < n; i++) {
        let s = a[i * n + j];
        for (let k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
        a[i * n + j] = s / ljj;
      }
    }
    const w = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = target[i];
      for (let k = 0; k < i; k++) s -= a[i * n + k] * w[k];
      w[i] = s / a[i * n + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = w[i];
      for (let k = i + 1; k < n; k++) s -= a[k * n + i] * w[k];
      w[i] = s / a[i * n + i];
    }
    return new Ridge(w, gram.layout);
  }

  predict(g: Genes): number {
    const w = this.weights;
    if (!w) return 0;
    let s = w[this.layout.width];
    for (let i = 0; i < g.length; i++) s += w[this.layout.offsets[i] + g[i]];
    return s;
  }
}
