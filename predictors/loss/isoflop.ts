/**
 * IsoFLOP analysis (Hoffmann's approach 2, as Porian et al. 2024 run it): for each compute budget, the
 * loss-optimal model size N* from an Akima interpolation of log loss over log N; then N*(C) ∝ C^a by a
 * least-squares line through (log C, log N*).
 */

/**
 * Akima interpolation (Akima 1970; the variant of SciPy's Akima1DInterpolator, which Porian et al. use):
 * slopes extended by two points at each end by linear extrapolation, node derivatives weighted by slope
 * differences, cubic Hermite between nodes. `x` strictly increasing. Returns the interpolant.
 */
export function akima(x: readonly number[], y: readonly number[]): (t: number) => number {
  const n = x.length;
  if (n < 2 || y.length !== n) throw new Error('akima: need at least 2 points and as many y as x');
  for (let i = 1; i < n; i++) if (!(x[i] > x[i - 1])) throw new Error('akima: x must be strictly increasing');
  const m: number[] = [];
  for (let i = 0; i < n - 1; i++) m.push((y[i + 1] - y[i]) / (x[i + 1] - x[i]));
  if (n === 2) {
    return (t) => y[0] + m[0] * (t - x[0]);
  }
  // m1[k + 2] = m[k]; two extrapolated slopes at each end.
  const mm = 2 * m[0] - m[1];
  const mmm = 2 * mm - m[0];
  const mp = 2 * m[n - 2] - m[n - 3];
  const mpp = 2 * mp - m[n - 2];
  const m1 = [mmm, mm, ...m, mp, mpp];
  const dm: number[] = [];
  for (let k = 0; k < m1.length - 1; k++) dm.push(Math.abs(m1[k + 1] - m1[k]));
  const f12max = Math.max(...dm.slice(2).map((v, i) => v + dm[i]));
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const f1 = dm[i + 2];
    const f2 = dm[i];
    const f12 = f1 + f2;
    t.push(f12 > 1e-9 * f12max ? (f1 * m1[i + 1] + f2 * m1[i + 2]) / f12 : 0.5 * (m1[i + 3] + m1[i]));
  }
  return (u: number): number => {
    let i = 0;
    if (u >= x[n - 1]) i = n - 2;
    else if (u > x[0]) {
      let lo = 0;
      let hi = n - 1;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (x[mid] <= u) lo = mid;
        else hi = mid;
      }
      i = lo;
    }
    const h = x[i + 1] - x[i];
    const s = u - x[i];
    const c = (3 * m[i] - 2 * t[i] - t[i + 1]) / h;
    const d = (t[i] + t[i + 1] - 2 * m[i]) / (h * h);
    return y[i] + s * (t[i] + s * (c + s * d));
  };
}

export interface IsoflopOptimum {
  readonly flops: number;
  /** Loss-optimal parameter count; null when the minimum sits at an end of the sweep (not bracketed). */
  readonly nStar: number | null;
  readonly lossStar: number | null;
  readonly runs: number;
}

/**
 * N* for one budget: runs (N, loss) of the same compute; the best loss per N is kept; log loss is interpolated
 * over log N on a geometric grid of (runs − 1)·multiplier points (Porian et al.: 25), and the argmin is N*.
 */
export function isoflopOptimum(flops: number, n: readonly number[], loss: readonly number[], multiplier = 25): IsoflopOptimum {
  const best = new Map<number, number>();
  n.forEach((v, i) => best.set(v, Math.min(best.get(v) ?? Infinity, loss[i])));
  const ns = [...best.keys()].sort((a, b) => a - b);
  if (ns.length < 3) return { flops, nStar: null, lossStar: null, runs: ns.length };
  const f = akima(ns.map(Math.log), ns.map((v) => Math.log(best.get(v) as number)));
  const count = (ns.length - 1) * multiplier;
  const lo = Math.log(ns[0]);
  const hi = Math.log(ns[ns.length - 1]);
  let arg = 0;
  let min = Infinity;
  for (let k = 0; k < count; k++) {
    const v = f(lo + ((hi - lo) * k) / (count - 1));
    if (v < min) {
      min = v;
      arg = k;
    }
  }
  if (arg === 0 || arg === count - 1) return { flops, nStar: null, lossStar: null, runs: ns.length };
  return { flops, nStar: Math.exp(lo + ((hi - lo) * arg) / (count - 1)), lossStar: Math.exp(min), runs: ns.length };
}

export interface PowerLawFit {
  /** a in N*(C) = coef · C^a. */
  readonly exponent: number;
  readonly coef: number;
  /** R² of the line in log–log space. */
  readonly r2: number;
  readonly points: number;
}

/** Least-squares line log y = log coef + a·log x. */
export function fitPowerLaw(x: readonly number[], y: readonly number[]): PowerLawFit {
  const k = x.length;
  if (k < 2) throw new Error('fitPowerLaw: need at least 2 points');
  const lx = x.map(Math.log);
  const ly = y.map(Math.log);
  const mx = lx.reduce((a, b) => a + b, 0) / k;
  const my = ly.reduce((a, b) => a + b, 0) / k;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < k; i++) {
    sxy += (lx[i] - mx) * (ly[i] - my);
    sxx += (lx[i] - mx) ** 2;
    syy += (ly[i] - my) ** 2;
  }
  const a = sxy / sxx;
  return { exponent: a, coef: Math.exp(my - a * mx), r2: syy > 0 ? (sxy * sxy) / (sxx * syy) : 1, points: k };
}

/** Compute-optimal exponent a of N*(C) ∝ C^a from isoFLOP runs (each run: flops budget, N, loss). */
export function computeOptimalExponent(runs: readonly { flops: number; n: number; loss: number }[], multiplier = 25): { optima: IsoflopOptimum[]; fit: PowerLawFit } {
  const byBudget = new Map<number, { n: number[]; loss: number[] }>();
  for (const r of runs) {
    const g = byBudget.get(r.flops) ?? { n: [], loss: [] };
    g.n.push(r.n);
    g.loss.push(r.loss);
    byBudget.set(r.flops, g);
  }
  const optima = [...byBudget.entries()].sort((a, b) => a[0] - b[0]).map(([c, g]) => isoflopOptimum(c, g.n, g.loss, multiplier));
  const ok = optima.filter((o) => o.nStar !== null);
  return { optima, fit: fitPowerLaw(ok.map((o) => o.flops), ok.map((o) => o.nStar as number)) };
}
