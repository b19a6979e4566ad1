/**
 * L-BFGS with a strong-Wolfe line search (Nocedal & Wright, Numerical Optimization, 2nd ed.: Alg. 7.4 two-loop
 * recursion, Alg. 3.5/3.6 bracketing + zoom with safeguarded cubic interpolation).
 *
 * Written here because no maintained npm package offers L-BFGS over typed arrays (fmin 0.0.4 and
 * optimization-js 1.5 are unmaintained and allocate per iteration). A fit runs thousands of starts, so the
 * optimiser reuses one workspace: no allocation per iteration or per start.
 *
 * Stopping rules follow SciPy's L-BFGS-B defaults, which the published scaling-law fits used:
 * ‖g‖∞ ≤ gtol (1e-5), or (f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) ≤ ftol (2.2e-9), or maxIter.
 */

/** f(x), writing ∇f(x) into g. Must not keep references to x or g. */
export type Objective = (x: Float64Array, g: Float64Array) => number;

export interface LbfgsOptions {
  /** History pairs kept (SciPy: 10). */
  readonly memory?: number;
  readonly maxIter?: number;
  readonly gtol?: number;
  readonly ftol?: number;
  /** Function evaluations per line search (SciPy: 20). */
  readonly maxLineSearch?: number;
  /** Sufficient decrease and curvature constants of the strong Wolfe conditions. */
  readonly c1?: number;
  readonly c2?: number;
}

export type LbfgsStatus = 'gtol' | 'ftol' | 'max-iter' | 'line-search-failed' | 'non-finite';

export interface LbfgsResult {
  /** The minimiser (a view into the workspace when a workspace is passed: copy it to keep it). */
  readonly x: Float64Array;
  readonly f: number;
  readonly iterations: number;
  readonly evaluations: number;
  readonly status: LbfgsStatus;
}

/** Buffers for one problem size; reuse it across starts. */
export class LbfgsWorkspace {
  readonly n: number;
  readonly m: number;
  readonly x: Float64Array;
  readonly g: Float64Array;
  readonly d: Float64Array;
  readonly xt: Float64Array;
  readonly gt: Float64Array;
  readonly s: Float64Array;
  readonly y: Float64Array;
  readonly rho: Float64Array;
  readonly alpha: Float64Array;

  constructor(n: number, m = 10) {
    this.n = n;
    this.m = m;
    this.x = new Float64Array(n);
    this.g = new Float64Array(n);
    this.d = new Float64Array(n);
    this.xt = new Float64Array(n);
    this.gt = new Float64Array(n);
    this.s = new Float64Array(m * n);
    this.y = new Float64Array(m * n);
    this.rho = new Float64Array(m);
    this.alpha = new Float64Array(m);
  }
}

const dot = (a: Float64Array, b: Float64Array, n: number, offA = 0, offB = 0): number => {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[offA + i] * b[offB + i];
  return s;
};

/** Minimiser of the cubic through (a, fa, da) and (b, fb, db); NaN when it has none. */
function cubicMin(a: number, fa: number, da: number, b: number, fb: number, db: number): number {
  const d1 = da + db - (3 * (fa - fb)) / (a - b);
  const disc = d1 * d1 - da * db;
  if (!(disc >= 0)) return NaN;
  const d2 = Math.sign(b - a) * Math.sqrt(disc);
  return b - ((b - a) * (db + d2 - d1)) / (db - da + 2 * d2);
}

export function minimizeLbfgs(f: Objective, x0: ArrayLike<number>, options: LbfgsOptions = {}, workspace?: LbfgsWorkspace): LbfgsResult {
  const n = x0.length;
  const m = options.memory ?? 10;
  const ws = workspace && workspace.n === n && workspace.m === m ? workspace : new LbfgsWorkspace(n, m);
  const maxIter = options.maxIter ?? 15000;
  const gtol = options.gtol ?? 1e-5;
  const ftol = options.ftol ?? 2.220446049250313e-9;
  const maxLs = options.maxLineSearch ?? 20;
  const c1 = options.c1 ?? 1e-4;
  const c2 = options.c2 ?? 0.9;
  const { x, g, d, xt, gt, s, y, rho, alpha } = ws;

  for (let i = 0; i < n; i++) x[i] = x0[i];
  let fx = f(x, g);
  let evaluations = 1;
  let iterations = 0;
  let stored = 0; // pairs in history
  let head = 0; // next slot to write
  if (!Number.isFinite(fx)) return { x, f: fx, iterations, evaluations, status: 'non-finite' };

  const gnormInf = (): number => {
    let v = 0;
    for (let i = 0; i < n; i++) v = Math.max(v, Math.abs(g[i]));
    return v;
  };
  if (gnormInf() <= gtol) return { x, f: fx, iterations, evaluations, status: 'gtol' };

  // φ(t) = f(x + t·d): evaluated into xt, gt.
  let phiT = 0;
  let dphiT = 0;
  const phi = (t: number): void => {
    for (let i = 0; i < n; i++) xt[i] = x[i] + t * d[i];
    phiT = f(xt, gt);
    evaluations++;
    dphiT = dot(gt, d, n);
  };

  while (iterations < maxIter) {
    // Two-loop recursion: d = −H·g.
    for (let i = 0; i < n; i++) d[i] = -g[i];
    for (let k = 0; k < stored; k++) {
      const slot = (head - 1 - k + m) % m;
      const a = rho[slot] * dot(s, d, n, slot * n, 0);
      alpha[slot] = a;
      for (let i = 0; i < n; i++) d[i] -= a * y[slot * n + i];
    }
    if (stored > 0) {
      const last = (head - 1 + m) % m;
      const gamma = dot(s, y, n, last * n, last * n) / dot(y, y, n, last * n, last * n);
      for (let i = 0; i < n; i++) d[i] *= gamma;
    }
    for (let k = stored - 1; k >= 0; k--) {
      const slot = (head - 1 - k + m) % m;
      const b = rho[slot] * dot(y, d, n, slot * n, 0);
      const a = alpha[slot];
      for (let i = 0; i < n; i++) d[i] += (a - b) * s[slot * n + i];
    }
    let dphi0 = dot(g, d, n);
    if (!(dphi0 < 0)) {
      // Not a descent direction (a bad curvature pair): restart from steepest descent.
      stored = 0;
      for (let i = 0; i < n; i++) d[i] = -g[i];
      dphi0 = dot(g, d, n);
    }
    const phi0 = fx;
    // First step: scaled so that the first move has length 1 (as SciPy); then the unit quasi-Newton step.
    let t = 1;
    if (iterations === 0 && stored === 0) t = Math.min(1, 1 / Math.sqrt(dot(d, d, n)));

    // Strong Wolfe line search (N&W Alg. 3.5): bracket, then zoom.
    let tPrev = 0;
    let fPrev = phi0;
    let dPrev = dphi0;
    let accepted = false;
    let lsEvals = 0;
    let lo = 0;
    let flo = 0;
    let dlo = 0;
    let hi = 0;
    let fhi = 0;
    let dhi = 0;
    let zoom = false;
    while (lsEvals < maxLs) {
      phi(t);
      lsEvals++;
      if (!Number.isFinite(phiT) || phiT > phi0 + c1 * t * dphi0 || (lsEvals > 1 && phiT >= fPrev)) {
        lo = tPrev; flo = fPrev; dlo = dPrev; hi = t; fhi = phiT; dhi = dphiT;
        zoom = true;
        break;
      }
      if (Math.abs(dphiT) <= -c2 * dphi0) {
        accepted = true;
        break;
      }
      if (dphiT >= 0) {
        lo = t; flo = phiT; dlo = dphiT; hi = tPrev; fhi = fPrev; dhi = dPrev;
        zoom = true;
        break;
      }
      // Extrapolate: cubic step, kept within [2t, 10t].
      let next = cubicMin(tPrev, fPrev, dPrev, t, phiT, dphiT);
      if (!(next > 2 * t) || !Number.isFinite(next)) next = 2 * t;
      if (next > 10 * t) next = 10 * t;
      tPrev = t; fPrev = phiT; dPrev = dphiT;
      t = next;
    }
    if (zoom) {
      while (lsEvals < maxLs) {
        const width = hi - lo;
        let tj = Number.isFinite(fhi) ? cubicMin(lo, flo, dlo, hi, fhi, dhi) : NaN;
        const a = Math.min(lo, hi);
        const b = Math.max(lo, hi);
        const margin = 0.1 * Math.abs(width);
        if (!Number.isFinite(tj) || tj < a + margin || tj > b - margin) tj = lo + 0.5 * width;
        t = tj;
        phi(t);
        lsEvals++;
        if (!Number.isFinite(phiT) || phiT > phi0 + c1 * t * dphi0 || phiT >= flo) {
          hi = t; fhi = phiT; dhi = dphiT;
        } else {
          if (Math.abs(dphiT) <= -c2 * dphi0) {
            accepted = true;
            break;
          }
          if (dphiT * (hi - lo) >= 0) {
            hi = lo; fhi = flo; dhi = dlo;
          }
          lo = t; flo = phiT; dlo = dphiT;
        }
        if (Math.abs(hi - lo) * Math.sqrt(dot(d, d, n)) < 1e-16 * (1 + Math.sqrt(dot(x, x, n)))) break;
      }
      if (!accepted && lo > 0 && flo < phi0) {
        // Out of evaluations: take the best point found if it decreased f (sufficient decrease holds for lo).
        if (t !== lo) phi(lo);
        accepted = true;
      }
    }
    // Bracketing ran out of evaluations while still descending: the last point evaluated (in xt) is acceptable.
    if (!zoom && !accepted && tPrev > 0) accepted = true;
    iterations++;
    if (!accepted) return { x, f: fx, iterations, evaluations, status: 'line-search-failed' };

    // Update the history with s = xt − x, y = gt − g.
    const base = head * n;
    let sy = 0;
    let yy = 0;
    for (let i = 0; i < n; i++) {
      const si = xt[i] - x[i];
      const yi = gt[i] - g[i];
      s[base + i] = si;
      y[base + i] = yi;
      sy += si * yi;
      yy += yi * yi;
    }
    if (sy > 2.220446049250313e-16 * yy) {
      rho[head] = 1 / sy;
      head = (head + 1) % m;
      if (stored < m) stored++;
    }
    const fOld = fx;
    fx = phiT;
    x.set(xt);
    g.set(gt);
    if (gnormInf() <= gtol) return { x, f: fx, iterations, evaluations, status: 'gtol' };
    if ((fOld - fx) / Math.max(Math.abs(fOld), Math.abs(fx), 1) <= ftol) return { x, f: fx, iterations, evaluations, status: 'ftol' };
  }
  return { x, f: fx, iterations, evaluations, status: 'max-iter' };
}
