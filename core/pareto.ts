/**
 * Multi-objective mathematics on minimisation vectors: dominance, constrained domination, non-dominated sorting,
 * crowding distance, exact hypervolume (2-D sweep, 3-D sweep, WFG for more), normalisation, IGD and IGD+.
 * Pure functions; every objective is to be minimised (negate maximised metrics before calling).
 */

/** One objective vector (minimisation). */
export type Vector = ArrayLike<number>;

/** True when `a` is no worse than `b` in every objective and strictly better in at least one. */
export function dominates(a: Vector, b: Vector): boolean {
  let better = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] > b[i]) return false;
    if (a[i] < b[i]) better = true;
  }
  return better;
}

/** 1 when `a` dominates `b`, -1 when `b` dominates `a`, 0 otherwise (equal vectors do not dominate each other). */
export function dominance(a: Vector, b: Vector): -1 | 0 | 1 {
  let aBetter = false;
  let bBetter = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] < b[i]) aBetter = true;
    else if (a[i] > b[i]) bBetter = true;
    if (aBetter && bBetter) return 0;
  }
  return aBetter ? 1 : bBetter ? -1 : 0;
}

/**
 * Deb's constrained domination: a feasible point (violation ≤ 0) beats an infeasible one; between infeasible
 * points the smaller total violation wins; between feasible ones ordinary dominance decides.
 */
export function constrainedDominates(a: Vector, violationA: number, b: Vector, violationB: number): boolean {
  const feasibleA = violationA <= 0;
  const feasibleB = violationB <= 0;
  if (feasibleA && feasibleB) return dominates(a, b);
  if (feasibleA !== feasibleB) return feasibleA;
  return violationA < violationB;
}

/** Copies points into one flat row-major array (n × m) so that the inner loops touch contiguous memory. */
function flatten(points: readonly Vector[], m: number, indices?: readonly number[]): Float64Array {
  const n = indices ? indices.length : points.length;
  const flat = new Float64Array(n * m);
  for (let r = 0; r < n; r++) {
    const p = points[indices ? indices[r] : r];
    for (let j = 0; j < m; j++) flat[r * m + j] = p[j];
  }
  return flat;
}

/** Row `q` dominates row `p` in a flat array. */
function rowDominates(flat: Float64Array, m: number, q: number, p: number): boolean {
  let better = false;
  const oq = q * m;
  const op = p * m;
  for (let j = 0; j < m; j++) {
    const a = flat[oq + j];
    const b = flat[op + j];
    if (a > b) return false;
    if (a < b) better = true;
  }
  return better;
}

/** Row order sorted lexicographically by objectives, ties by row. A row can only be dominated by earlier rows. */
function lexOrder(flat: Float64Array, n: number, m: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((p, q) => {
    for (let j = 0; j < m; j++) {
      const d = flat[p * m + j] - flat[q * m + j];
      if (d !== 0) return d < 0 ? -1 : 1;
    }
    return p - q;
  });
  return order;
}

/**
 * Non-dominated fronts of unconstrained points (ENS-BS, Zhang et al. 2015: lexicographic order, then a binary
 * search over fronts — same result as Deb's fast sort, O(MN log N) typical, no N² memory). Equal points are
 * mutually non-dominating and share a front. Returns indices into `rows`, each front in ascending index order.
 */
function ensFronts(flat: Float64Array, n: number, m: number): number[][] {
  const order = lexOrder(flat, n, m);
  const fronts: number[][] = [];
  for (let s = 0; s < n; s++) {
    const p = order[s];
    // "Dominated by some member of front k" is monotone in k (true for k < r, false from r on).
    let lo = 0;
    let hi = fronts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const front = fronts[mid];
      let dominated = false;
      // Later members are lexicographically closer to p, so more likely to dominate it: scan backwards.
      for (let k = front.length - 1; k >= 0; k--) {
        if (rowDominates(flat, m, front[k], p)) {
          dominated = true;
          break;
        }
      }
      if (dominated) lo = mid + 1;
      else hi = mid;
    }
    if (lo === fronts.length) fronts.push([p]);
    else fronts[lo].push(p);
  }
  for (const f of fronts) f.sort((a, b) => a - b);
  return fronts;
}

/**
 * Fronts under (constrained) domination, best first, as indices into `points`. Without `violations` every point
 * is feasible. With them, feasible points are sorted by dominance and come first; infeasible points follow in
 * groups of equal total violation, smallest first (Deb's constrained domination).
 */
export function nonDominatedSort(points: readonly Vector[], violations?: ArrayLike<number>): number[][] {
  const n = points.length;
  if (n === 0) return [];
  const m = points[0].length;
  const feasible: number[] = [];
  const infeasible: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!violations || violations[i] <= 0) feasible.push(i);
    else infeasible.push(i);
  }
  const fronts: number[][] = [];
  if (feasible.length > 0) {
    const flat = flatten(points, m, feasible);
    for (const f of ensFronts(flat, feasible.length, m)) fronts.push(f.map((r) => feasible[r]));
  }
  if (infeasible.length > 0 && violations) {
    infeasible.sort((a, b) => violations[a] - violations[b] || a - b);
    let current: number[] = [];
    for (let k = 0; k < infeasible.length; k++) {
      const i = infeasible[k];
      if (current.length > 0 && !(violations[current[0]] === violations[i])) {
        fronts.push(current);
        current = [];
      }
      current.push(i);
    }
    fronts.push(current);
  }
  return fronts;
}

/** The front number (0 = non-dominated) of every point; see nonDominatedSort. */
export function nonDominatedRanks(points: readonly Vector[], violations?: ArrayLike<number>): Int32Array {
  const ranks = new Int32Array(points.length);
  nonDominatedSort(points, violations).forEach((front, r) => {
    for (const i of front) ranks[i] = r;
  });
  return ranks;
}

/**
 * Indices (ascending) of the non-dominated points; with `violations`, of the feasible non-dominated points only
 * (empty when nothing is feasible). Equal points are all kept. 2-D: one sort and a sweep; more: lexicographic
 * order and comparison against the front so far, O(N·F).
 */
export function paretoIndices(points: readonly Vector[], violations?: ArrayLike<number>): number[] {
  const candidates: number[] = [];
  for (let i = 0; i < points.length; i++) if (!violations || violations[i] <= 0) candidates.push(i);
  const n = candidates.length;
  if (n === 0) return [];
  const m = points[candidates[0]].length;
  const flat = flatten(points, m, candidates);
  const order = lexOrder(flat, n, m);
  const front: number[] = [];
  if (m === 2) {
    // Sorted by (f1, f2): a row is non-dominated iff its f2 is below every earlier f2, or it equals the last kept row.
    let bestY = Infinity;
    let lastX = NaN;
    let lastY = NaN;
    for (let s = 0; s < n; s++) {
      const r = order[s];
      const x = flat[2 * r];
      const y = flat[2 * r + 1];
      if (y < bestY || (x === lastX && y === lastY)) {
        front.push(r);
        bestY = y;
        lastX = x;
        lastY = y;
      }
    }
  } else {
    for (let s = 0; s < n; s++) {
      const r = order[s];
      let dominated = false;
      for (let k = front.length - 1; k >= 0; k--) {
        if (rowDominates(flat, m, front[k], r)) {
          dominated = true;
          break;
        }
      }
      if (!dominated) front.push(r);
    }
  }
  return front.map((r) => candidates[r]).sort((a, b) => a - b);
}

/**
 * Crowding distance of the points `front` (indices into `points`), as pymoo 0.6.2 computes it for NSGA-II (`cd`):
 * fewer than three points all get Infinity; per objective the points are sorted (stable), the first and last get
 * Infinity and the others the gap between their neighbours over the objective's range; an objective with zero (or
 * non-finite) range contributes nothing; the sum is divided by the number of objectives. Equal points are
 * treated like any others (pymoo's `cd` does not filter them); with `filterDuplicates` every copy after the first
 * gets 0 and is left out, as pymoo's other diversity measures do.
 */
export function crowdingDistance(points: readonly Vector[], front: readonly number[], opts: { filterDuplicates?: boolean } = {}): Float64Array {
  const n = front.length;
  const out = new Float64Array(n);
  if (n <= 2) return out.fill(Infinity);
  const m = points[front[0]].length;
  const flat = flatten(points, m, front);
  const rows: number[] = [];
  if (opts.filterDuplicates) {
    // lexOrder breaks ties by row, so the first of each group of equal vectors is its lowest row: it stays.
    const lex = lexOrder(flat, n, m);
    const isDuplicate = new Uint8Array(n);
    for (let s = 1; s < n; s++) {
      const p = lex[s - 1];
      const q = lex[s];
      let same = true;
      for (let j = 0; j < m && same; j++) same = flat[p * m + j] === flat[q * m + j];
      if (same) isDuplicate[q] = 1;
    }
    for (let r = 0; r < n; r++) if (!isDuplicate[r]) rows.push(r);
  } else {
    for (let r = 0; r < n; r++) rows.push(r);
  }
  const u = rows.length;
  const order = rows.slice();
  for (let j = 0; j < m; j++) {
    order.sort((a, b) => flat[a * m + j] - flat[b * m + j] || a - b);
    const lo = flat[order[0] * m + j];
    const hi = flat[order[u - 1] * m + j];
    const range = hi - lo;
    if (!(range > 0) || !Number.isFinite(range)) continue;
    out[order[0]] = Infinity;
    out[order[u - 1]] = Infinity;
    for (let s = 1; s < u - 1; s++) {
      out[order[s]] += (flat[order[s + 1] * m + j] - flat[order[s - 1] * m + j]) / range;
    }
  }
  for (const r of rows) out[r] /= m;
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Hypervolume

/** Points that strictly dominate the reference point (the others add no volume), copied as plain arrays. */
function insideReference(points: readonly Vector[], reference: Vector): number[][] {
  const out: number[][] = [];
  const m = reference.length;
  for (const p of points) {
    if (p.length !== m) throw new Error(`hypervolume: point has ${p.length} objectives, reference has ${m}`);
    let inside = true;
    for (let j = 0; j < m && inside; j++) inside = p[j] < reference[j];
    if (inside) out.push(Array.from(p));
  }
  return out;
}

function hv2(points: number[][], rx: number, ry: number): number {
  const sorted = points.slice().sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let volume = 0;
  let prevY = ry;
  for (const [x, y] of sorted) {
    if (y < prevY) {
      volume += (rx - x) * (prevY - y);
      prevY = y;
    }
  }
  return volume;
}

/**
 * 3-D: sweep upward in the third objective, keeping the 2-D non-dominated front of the points seen so far
 * (sorted by x ascending, y strictly descending) and adding its area times each slab's height. O(n·F).
 */
function hv3(points: number[][], ref: Vector): number {
  const sorted = points.slice().sort((a, b) => a[2] - b[2]);
  const xs: number[] = [];
  const ys: number[] = [];
  const rx = ref[0];
  const ry = ref[1];
  let volume = 0;
  for (let k = 0; k < sorted.length; k++) {
    const [x, y] = sorted[k];
    // First front position with xs > x; its predecessor (xs ≤ x) dominates p when its y ≤ y.
    let pos = 0;
    let hi = xs.length;
    while (pos < hi) {
      const mid = (pos + hi) >>> 1;
      if (xs[mid] <= x) pos = mid + 1;
      else hi = mid;
    }
    if (!(pos > 0 && ys[pos - 1] <= y)) {
      // Remove points the new one dominates: same x with larger y just before, larger x with y ≥ y after.
      let start = pos;
      if (start > 0 && xs[start - 1] === x) start--;
      let end = pos;
      while (end < xs.length && ys[end] >= y) end++;
      xs.splice(start, end - start, x);
      ys.splice(start, end - start, y);
    }
    const nextZ = k + 1 < sorted.length ? sorted[k + 1][2] : ref[2];
    const height = nextZ - sorted[k][2];
    if (height > 0) {
      let area = 0;
      for (let i = 0; i < xs.length; i++) area += ((i + 1 < xs.length ? xs[i + 1] : rx) - xs[i]) * (ry - ys[i]);
      volume += area * height;
    }
  }
  return volume;
}

/** Non-dominated points among `points`, one copy of each (the input of every WFG recursion). */
function nondominatedUnique(points: number[][]): number[][] {
  const sorted = points.slice().sort((a, b) => {
    for (let j = 0; j < a.length; j++) if (a[j] !== b[j]) return a[j] - b[j];
    return 0;
  });
  const out: number[][] = [];
  for (const p of sorted) {
    let keep = true;
    for (let k = out.length - 1; k >= 0 && keep; k--) {
      const q = out[k];
      let qNoWorse = true;
      for (let j = 0; j < p.length && qNoWorse; j++) qNoWorse = q[j] <= p[j];
      if (qNoWorse) keep = false; // dominated or equal
    }
    if (keep) out.push(p);
  }
  return out;
}

function boxVolume(p: number[], ref: Vector): number {
  let v = 1;
  for (let j = 0; j < p.length; j++) v *= ref[j] - p[j];
  return v;
}

/**
 * WFG (While, Bradstreet, Barone 2012): HV = Σ_k exclusive HV of point k w.r.t. the points after it, where the
 * exclusive part is its box minus the HV of the "limit set" (the later points clipped to be no better than it).
 * Points are processed in descending order of the last objective, which keeps limit sets small.
 */
function wfg(points: number[][], ref: Vector): number {
  const n = points.length;
  if (n === 0) return 0;
  const m = ref.length;
  if (m === 2) return hv2(points, ref[0], ref[1]);
  if (m === 3) return hv3(points, ref);
  if (n === 1) return boxVolume(points[0], ref);
  const pl = points.slice().sort((a, b) => b[m - 1] - a[m - 1]);
  let volume = 0;
  for (let k = 0; k < n; k++) {
    const p = pl[k];
    const limit: number[][] = [];
    for (let i = k + 1; i < n; i++) {
      const q = pl[i];
      const c = new Array<number>(m);
      for (let j = 0; j < m; j++) c[j] = q[j] > p[j] ? q[j] : p[j];
      limit.push(c);
    }
    volume += boxVolume(p, ref) - wfg(nondominatedUnique(limit), ref);
  }
  return volume;
}

/**
 * Exact hypervolume dominated by `points` and bounded by `reference` (minimisation): points not strictly better
 * than the reference in every objective add nothing. 1-D and 2-D by a sweep, 3-D by a sweep over a 2-D front,
 * 4 or more objectives by WFG.
 */
export function hypervolume(points: readonly Vector[], reference: Vector): number {
  const inside = insideReference(points, reference);
  if (inside.length === 0) return 0;
  const m = reference.length;
  if (m === 1) {
    let best = Infinity;
    for (const p of inside) if (p[0] < best) best = p[0];
    return reference[0] - best;
  }
  if (m === 2) return hv2(inside, reference[0], reference[1]);
  if (m === 3) return hv3(inside, reference);
  return wfg(nondominatedUnique(inside), reference);
}

/** WFG in any dimension ≥ 2 (for tests and cross-checks; `hypervolume` picks the fastest exact method). */
export function hypervolumeWfg(points: readonly Vector[], reference: Vector): number {
  const inside = insideReference(points, reference);
  if (inside.length === 0) return 0;
  if (reference.length === 1) return hypervolume(points, reference);
  // Force the WFG recursion even for 2-D and 3-D by splitting off the first level here.
  const m = reference.length;
  const pl = nondominatedUnique(inside).sort((a, b) => b[m - 1] - a[m - 1]);
  let volume = 0;
  for (let k = 0; k < pl.length; k++) {
    const p = pl[k];
    const limit = pl.slice(k + 1).map((q) => q.map((v, j) => Math.max(v, p[j])));
    volume += boxVolume(p, reference) - wfg(nondominatedUnique(limit), reference);
  }
  return volume;
}

// ---------------------------------------------------------------------------------------------------------------
// Normalisation and distance indicators

/** Per-objective ideal (best) and nadir (worst) values used to map objectives onto [0, 1]. */
export interface Bounds {
  readonly ideal: readonly number[];
  readonly nadir: readonly number[];
}

/** Ideal and nadir of a set of points (usually the reference frontier). */
export function boundsOf(points: readonly Vector[]): Bounds {
  if (points.length === 0) throw new Error('boundsOf: no points');
  const m = points[0].length;
  const ideal = new Array<number>(m).fill(Infinity);
  const nadir = new Array<number>(m).fill(-Infinity);
  for (const p of points) {
    for (let j = 0; j < m; j++) {
      if (p[j] < ideal[j]) ideal[j] = p[j];
      if (p[j] > nadir[j]) nadir[j] = p[j];
    }
  }
  return { ideal, nadir };
}

/** (f − ideal) / (nadir − ideal) per objective; an objective with zero range is only shifted. */
export function normalise(points: readonly Vector[], bounds: Bounds): number[][] {
  const { ideal, nadir } = bounds;
  return points.map((p) => {
    const out = new Array<number>(p.length);
    for (let j = 0; j < p.length; j++) {
      const range = nadir[j] - ideal[j];
      out[j] = (p[j] - ideal[j]) / (range > 0 ? range : 1);
    }
    return out;
  });
}

/**
 * Hypervolume in normalised objective space with the reference point `reference` in every objective
 * (default 1.1, so the extreme points of the frontier still contribute).
 */
export function normalisedHypervolume(points: readonly Vector[], bounds: Bounds, reference = 1.1): number {
  if (points.length === 0) return 0;
  const m = bounds.ideal.length;
  return hypervolume(normalise(points, bounds), new Array<number>(m).fill(reference));
}

/** Mean over the reference set of the Euclidean distance to the nearest approximation point (lower is better). */
export function igd(approximation: readonly Vector[], referenceSet: readonly Vector[]): number {
  return meanNearest(approximation, referenceSet, false);
}

/**
 * IGD+ (Ishibuchi et al. 2015): like IGD, but only the amount by which an approximation point is worse than the
 * reference point counts, d⁺(z, a) = ‖max(a − z, 0)‖. Weakly Pareto-compliant.
 */
export function igdPlus(approximation: readonly Vector[], referenceSet: readonly Vector[]): number {
  return meanNearest(approximation, referenceSet, true);
}

function meanNearest(approximation: readonly Vector[], referenceSet: readonly Vector[], plus: boolean): number {
  if (referenceSet.length === 0) throw new Error('igd: empty reference set');
  if (approximation.length === 0) return Infinity;
  let total = 0;
  for (const z of referenceSet) {
    let best = Infinity;
    for (const a of approximation) {
      let d2 = 0;
      for (let j = 0; j < z.length; j++) {
        const d = plus ? Math.max(a[j] - z[j], 0) : a[j] - z[j];
        d2 += d * d;
      }
      if (d2 < best) best = d2;
    }
    total += Math.sqrt(best);
  }
  return total / referenceSet.length;
}
