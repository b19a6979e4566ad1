/**
 * Roofline-guided evolution (hwnas's own strategy).
 *
 * It reads every evaluated candidate's roofline breakdown — compute and memory time of prefill and decode, and
 * launch overhead — and learns, online, how each gene choice moves each of those terms. Because each term is
 * close to a product of powers of the genes (decode memory time ∝ layers · width² · bytes per weight · …), one
 * ridge regression per term on one-hot genes in log space predicts it well; latency is then composed the way
 * the roofline composes it, max(compute, memory) per phase plus overhead, and a second ridge model corrects the
 * composition's residual. Objectives and constrained metrics without such a structure (loss, memory) get a
 * log-linear model of their own.
 *
 * Each batch after a random start:
 * - neighbours of the current frontier (one gene one step for ordinal genes, any other value for categorical
 *   ones) are ranked by the additive ε-indicator of their predicted objectives against the frontier, so moves
 *   predicted to push the frontier out come first;
 * - an infeasible parent is repaired: its neighbours are ranked by predicted violation, which the roofline model
 *   attributes to the binding term (shrinking bytes when decode is memory-bound, FLOPs when prefill is
 *   compute-bound);
 * - with constraints, the `fitGene` (default `width`) is set directly to the largest value predicted to meet
 *   them, as Nemotron-Flash sizes width to a latency target;
 * - a share `exploration` of each batch is ordinary mutation and crossover of frontier members.
 * Nothing already asked is asked again. Deterministic from the seed; the state is the evaluated history, which
 * rebuilds the models exactly (rows are accumulated in key order, independent of tell order).
 */
import { createRng, type RngState } from '../../core/rng.js';
import { z } from 'zod';
import type { Genes } from '../../core/space.js';
import type { Evaluated, Strategy, StrategyContext, StrategyFactory } from '../strategy.js';
import { loadNumber, numberIn, parseOptions, saveNumber, scored, sizeOption, type SavedNumber } from './common.js';

const BREAKDOWN = ['prefillComputeMs', 'prefillMemoryMs', 'decodeComputeMs', 'decodeMemoryMs', 'overheadMs'] as const;
/** Which phases a latency metric is made of. */
const LATENCY_SHAPE: Readonly<Record<string, 'total' | 'prefill' | 'decode'>> = { latencyMs: 'total', ttftMs: 'prefill', decodeMsPerToken: 'decode' };
const RIDGE_LAMBDA = 1e-3;

interface Evaluation {
  readonly genes: Genes;
  readonly key: string;
  readonly objectives: number[];
  readonly violation: number;
  /** Values of the modelled metrics (NaN where absent), in `modelledMetrics` order. */
  readonly metrics: number[];
}

export interface RooflineState {
  readonly rng: RngState;
  readonly evaluated: { g: number[]; f: SavedNumber[]; v: SavedNumber; m: SavedNumber[] }[];
  /** Asked and not yet told. */
  readonly pending: number[][];
}

/** Ridge regression on one-hot genes (plus intercept), solved by Cholesky. */
class Ridge {
  constructor(readonly weights: Float64Array | null) {}

  static fit(rows: readonly Genes[], ys: readonly number[], offsets: readonly number[], width: number): Ridge {
    if (rows.length < 3) return new Ridge(null);
    const n = width + 1;
    const a = new Float64Array(n * n);
    const b = new Float64Array(n);
    const idx = new Int32Array(offsets.length + 1);
    for (let r = 0; r < rows.length; r++) {
      const g = rows[r];
      for (let i = 0; i < g.length; i++) idx[i] = offsets[i] + g[i];
      idx[g.length] = width; // intercept
      const y = ys[r];
      for (let p = 0; p <= g.length; p++) {
        b[idx[p]] += y;
        for (let q = 0; q <= g.length; q++) a[idx[p] * n + idx[q]] += 1;
      }
    }
    for (let i = 0; i < n; i++) a[i * n + i] += RIDGE_LAMBDA;
    // Cholesky: A = L·Lᵀ, in place (lower triangle).
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
      let s = b[i];
      for (let k = 0; k < i; k++) s -= a[i * n + k] * w[k];
      w[i] = s / a[i * n + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = w[i];
      for (let k = i + 1; k < n; k++) s -= a[k * n + i] * w[k];
      w[i] = s / a[i * n + i];
    }
    return new Ridge(w);
  }

  predict(g: Genes, offsets: readonly number[], width: number): number {
    const w = this.weights;
    if (!w) return 0;
    let s = w[width];
    for (let i = 0; i < g.length; i++) s += w[offsets[i] + g[i]];
    return s;
  }
}

/** A predictor of one metric: log-linear, or roofline-composed with a log-linear residual. */
type MetricModel = (g: Genes) => number;

const ROOFLINE_OPTIONS = z.strictObject({
  /** Random candidates before the per-gene model guides the search. */
  initialSamples: sizeOption(1).default(40),
  /** Share of each generation drawn at random. */
  exploration: numberIn(0, 1).default(0.15),
  /** The ordinal gene along which over-budget candidates are repaired first. */
  fitGene: z.string().default('width'),
});

export const rooflineStrategy: StrategyFactory<RooflineState> = {
  id: 'roofline',
  description: 'roofline-guided evolution: learns each roofline term per gene, repairs over-budget candidates along the binding resource, grows the frontier where the predicted trade-off is best',
  options: ROOFLINE_OPTIONS,
  create(ctx, saved) {
    return createRoofline(ctx, saved);
  },
};

function createRoofline(ctx: StrategyContext, saved?: RooflineState): Strategy<RooflineState> {
  const { space, objectiveCount } = ctx;
  const o = parseOptions('roofline', ROOFLINE_OPTIONS, ctx.options);
  const { initialSamples, exploration } = o;
  const fitGeneName = o.fitGene;
  const fitGene = space.genes.findIndex((g) => g.name === fitGeneName && g.ordinal);
  const objectiveMetrics = ctx.objectives?.map((o) => o.metric) ?? [];
  const constraints = ctx.constraints ?? [];
  const modelled = [...new Set([...BREAKDOWN, ...objectiveMetrics, ...constraints.map((c) => c.metric)])];
  const offsets: number[] = [];
  let width = 0;
  for (const g of space.genes) {
    offsets.push(width);
    width += g.choices.length;
  }

  const rng = createRng(ctx.seed, saved?.rng);
  const evaluated: Evaluation[] = (saved?.evaluated ?? []).map((e) => ({
    genes: e.g,
    key: space.key(e.g),
    objectives: e.f.map(loadNumber),
    violation: loadNumber(e.v),
    metrics: e.m.map(loadNumber),
  }));
  const pending = new Map<string, Genes[]>();
  const asked = new Set<string>(evaluated.map((e) => e.key));
  const addPending = (g: Genes) => {
    const key = space.key(g);
    asked.add(key);
    const list = pending.get(key);
    if (list) list.push(g);
    else pending.set(key, [g]);
  };
  for (const g of saved?.pending ?? []) addPending(g);

  /** Fits one model per objective and constrained metric, from the evaluated history in key order. */
  const fitModels = () => {
    const rows = evaluated.filter((e) => e.violation !== Infinity).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const genes = rows.map((r) => r.genes);
    const logModel = (column: number): Ridge | null => {
      const ys: number[] = [];
      const gs: Genes[] = [];
      rows.forEach((r, i) => {
        const v = r.metrics[column];
        if (Number.isFinite(v) && v > 0) {
          ys.push(Math.log(v));
          gs.push(genes[i]);
        }
      });
      return gs.length >= 3 ? Ridge.fit(gs, ys, offsets, width) : null;
    };
    const terms = BREAKDOWN.map((_, i) => logModel(i));
    const hasRoofline = terms.every((t) => t !== null);
    const composed = (g: Genes, shape: 'total' | 'prefill' | 'decode') => {
      const t = terms.map((m) => Math.exp(m!.predict(g, offsets, width)));
      const prefill = Math.max(t[0], t[1]);
      const decode = Math.max(t[2], t[3]);
      return shape === 'prefill' ? prefill : shape === 'decode' ? decode : prefill + decode + t[4];
    };
    const models = new Map<string, MetricModel>();
    for (let c = BREAKDOWN.length; c < modelled.length; c++) {
      const metric = modelled[c];
      const shape = LATENCY_SHAPE[metric];
      if (shape && hasRoofline) {
        // Residual of the roofline composition, learned per gene.
        const ys: number[] = [];
        const gs: Genes[] = [];
        rows.forEach((r, i) => {
          const v = r.metrics[c];
          if (Number.isFinite(v) && v > 0) {
            ys.push(Math.log(v) - Math.log(composed(genes[i], shape)));
            gs.push(genes[i]);
          }
        });
        const residual = Ridge.fit(gs, ys, offsets, width);
        models.set(metric, (g) => composed(g, shape) * Math.exp(residual.predict(g, offsets, width)));
        continue;
      }
      const positive = rows.every((r) => !(r.metrics[c] <= 0));
      if (positive) {
        const m = logModel(c);
        if (m) models.set(metric, (g) => Math.exp(m.predict(g, offsets, width)));
      } else {
        const lin = Ridge.fit(genes, rows.map((r) => r.metrics[c]), offsets, width);
        models.set(metric, (g) => lin.predict(g, offsets, width));
      }
    }
    return models;
  };

  const predict = (models: Map<string, MetricModel>, g: Genes) => {
    const objectives = objectiveMetrics.map((m, j) => {
      const model = models.get(m);
      const v = model ? model(g) : NaN;
      return ctx.objectives![j].direction === 'max' ? -v : v;
    });
    let violation = 0;
    for (const c of constraints) {
      const model = models.get(c.metric);
      if (!model) continue;
      const v = model(g);
      const over = c.op === '<=' ? v - c.budget : c.budget - v;
      if (over > 0) violation += over / Math.abs(c.budget || 1);
    }
    return { objectives, violation };
  };

  const neighbours = (g: Genes): Genes[] => {
    const out: Genes[] = [];
    space.genes.forEach((gene, i) => {
      const n = gene.choices.length;
      const values = gene.ordinal ? [g[i] - 1, g[i] + 1].filter((v) => v >= 0 && v < n) : Array.from({ length: n }, (_, v) => v).filter((v) => v !== g[i]);
      for (const v of values) {
        const c = g.slice();
        c[i] = v;
        out.push(c);
      }
    });
    return out;
  };

  const frontier = (): Evaluation[] => {
    const feasible = evaluated.filter((e) => e.violation <= 0 && e.objectives.every(Number.isFinite));
    if (feasible.length === 0) {
      return evaluated.filter((e) => Number.isFinite(e.violation)).sort((a, b) => a.violation - b.violation || (a.key < b.key ? -1 : 1)).slice(0, 8);
    }
    return feasible
      .filter((p) => !feasible.some((q) => q !== p && dominatesVec(q.objectives, p.objectives)))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  };

  const tryAdd = (out: Genes[], g: Genes) => {
    if (asked.has(space.key(g))) return false;
    addPending(g);
    out.push(g);
    return true;
  };

  const ask = (n: number): Genes[] => {
    const out: Genes[] = [];
    let attempts = 0;
    while (evaluated.length + pending.size + out.length < initialSamples && out.length < n && attempts++ < 50 * n) tryAdd(out, space.sample(rng));
    if (out.length >= n || evaluated.length === 0) return fillRandom(out, n);

    const front = frontier();
    const models = objectiveMetrics.length === objectiveCount ? fitModels() : new Map<string, MetricModel>();
    const feasibleFront = front.filter((e) => e.violation <= 0);
    const lo = new Array(objectiveCount).fill(Infinity);
    const hi = new Array(objectiveCount).fill(-Infinity);
    for (const e of feasibleFront) e.objectives.forEach((v, j) => ((lo[j] = Math.min(lo[j], v)), (hi[j] = Math.max(hi[j], v))));
    const range = lo.map((l, j) => (hi[j] > l ? hi[j] - l : Math.abs(l) || 1));

    const scoredCandidates: { g: Genes; key: string; score: number }[] = [];
    const seen = new Set<string>();
    const consider = (g: Genes) => {
      const key = space.key(g);
      if (asked.has(key) || seen.has(key)) return;
      seen.add(key);
      const p = predict(models, g);
      let score: number;
      if (p.violation > 0 || feasibleFront.length === 0) score = 1e6 + p.violation;
      else if (p.objectives.some((v) => !Number.isFinite(v))) score = 1e5;
      else {
        // Additive ε-indicator: how far the frontier must move to weakly dominate the prediction (lower is better).
        score = Infinity;
        for (const a of feasibleFront) {
          let eps = -Infinity;
          for (let j = 0; j < objectiveCount; j++) eps = Math.max(eps, (a.objectives[j] - p.objectives[j]) / range[j]);
          score = Math.min(score, -eps);
        }
      }
      scoredCandidates.push({ g, key, score });
    };
    for (const parent of front) {
      for (const g of neighbours(parent.genes)) consider(g);
      if (fitGene >= 0 && constraints.length > 0) {
        // Size the fit gene to the budget: the largest value predicted feasible.
        for (let v = space.genes[fitGene].choices.length - 1; v >= 0; v--) {
          const g = parent.genes.slice();
          g[fitGene] = v;
          if (predict(models, g).violation <= 0) {
            consider(g);
            break;
          }
        }
      }
    }
    scoredCandidates.sort((a, b) => a.score - b.score || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const guided = Math.max(1, Math.round(n * (1 - exploration)));
    for (const c of scoredCandidates) {
      if (out.length >= guided) break;
      tryAdd(out, c.g);
    }
    // Exploration: mutation and crossover of frontier members, then random samples.
    attempts = 0;
    while (out.length < n && attempts++ < 20 * n) {
      const a = front[rng.int(front.length)].genes;
      const g = rng.next() < 0.5 && front.length > 1 ? space.crossover(a, front[rng.int(front.length)].genes, rng)[0] : a;
      tryAdd(out, space.mutate(g, rng));
    }
    return fillRandom(out, n);
  };

  const fillRandom = (out: Genes[], n: number): Genes[] => {
    let attempts = 0;
    while (out.length < n && attempts++ < 50 * n) tryAdd(out, space.sample(rng));
    return out;
  };

  return {
    id: 'roofline',
    ask,
    tell(results: readonly Evaluated[]) {
      for (const r of results) {
        const key = space.key(r.genes);
        const list = pending.get(key);
        if (!list?.length) throw new Error(`tell: candidate ${key} was not asked, or was told twice`);
        list.pop();
        if (list.length === 0) pending.delete(key);
        const s = scored(r, objectiveCount);
        evaluated.push({ genes: r.genes.slice(), key, objectives: s.objectives, violation: s.violation, metrics: modelled.map((m) => r.metrics[m] ?? NaN) });
      }
    },
    done: () => false,
    state: () => ({
      rng: rng.state(),
      evaluated: evaluated.map((e) => ({ g: e.genes.slice(), f: e.objectives.map(saveNumber), v: saveNumber(e.violation), m: e.metrics.map(saveNumber) })),
      pending: [...pending.values()].flat().map((g) => g.slice()),
    }),
  };
}

function dominatesVec(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let j = 0; j < a.length; j++) {
    if (a[j] > b[j]) return false;
    if (a[j] < b[j]) better = true;
  }
  return better;
}

