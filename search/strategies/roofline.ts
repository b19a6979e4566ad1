/**
 * Roofline-guided evolution (hwnas's own strategy).
 *
 * It reads every evaluated candidate's roofline breakdown — compute and memory time of prefill and decode, and
 * launch overhead — and learns, online, how each gene choice moves each of those terms. Because each term is
 * close to a product of powers of the genes (decode memory time ∝ layers · width² · bytes per weight · …), one
 * ridge regression per term on one-hot genes in log space predicts it well; latency is then composed the way
 * the roofline composes it, max(compute, memory) per phase plus overhead, and a second ridge model corrects the
 * composition's residual. Objectives and constrained metrics without such a structure (loss, memory) get a
 * log-linear model of their own (linear once a value ≤ 0 is seen).
 *
 * Each batch after a random start:
 * - neighbours of the current frontier (one gene one step for ordinal genes, any other value for categorical
 *   ones; at most 8,192 a batch, from a sample of the frontier when it is large) are ranked by the additive
 *   ε-indicator of their predicted objectives against the frontier, so moves predicted to push the frontier out
 *   furthest come first;
 * - an infeasible parent is repaired: its neighbours are ranked by predicted violation, which the roofline model
 *   attributes to the binding term (shrinking bytes when decode is memory-bound, FLOPs when prefill is
 *   compute-bound);
 * - with constraints, the `fitGene` (default `width`) is set directly to the largest value predicted to meet
 *   them, as Nemotron-Flash sizes width to a latency target;
 * - a share `exploration` of each batch is ordinary mutation and crossover of frontier members.
 * Nothing already asked is asked again (operators/duplicates.ts). Deterministic from the seed.
 *
 * Cost flat in the number of candidates seen: the models are kept as sufficient statistics (operators/ridge.ts:
 * AᵀA and Aᵀy, one update per told candidate, one Cholesky solve per model per batch), the frontier as an archive
 * updated at each tell, and the saved state is those statistics, the archive and the set of asked candidates —
 * not the history. The residual of the roofline composition is learned from each candidate as it is told, against
 * the term models of that moment.
 */
import { dominates } from '../../core/pareto.js';
import { z } from 'zod';
import { createRng, shuffled, type RngState } from '../../core/rng.js';
import type { Genes } from '../../core/space.js';
import type { Evaluated, Strategy, StrategyContext, StrategyFactory } from '../strategy.js';
import { loadIndividual, numberIn, parseOptions, saveIndividual, sizeOption, scored, type Individual, type SavedIndividual, takeAsked } from './common.js';
import { AskedSet, type SavedAskedSet } from './operators/duplicates.js';
import { Gram, oneHotLayout, Ridge, type OneHotLayout } from './operators/ridge.js';

const BREAKDOWN = ['prefillComputeMs', 'prefillMemoryMs', 'decodeComputeMs', 'decodeMemoryMs', 'overheadMs'] as const;
/** Which phases a latency metric is made of. */
const LATENCY_SHAPE: Readonly<Record<string, 'total' | 'prefill' | 'decode'>> = { latencyMs: 'total', ttftMs: 'prefill', decodeMsPerToken: 'decode' };
/** Infeasible candidates kept as parents while nothing feasible is known. */
const CLOSEST_KEPT = 8;
/** Neighbours one batch scores at most (frontier members are sampled when theirs would be more). */
const MAX_NEIGHBOURS = 8192;

export const rooflineOptions = z.strictObject({
  /** Random candidates before the per-gene model guides the search. */
  initialSamples: sizeOption(1).default(40),
  /** Share of each generation drawn at random. */
  exploration: numberIn(0, 1).default(0.15),
  /** The ordinal gene along which over-budget candidates are repaired first. */
  fitGene: z.string().default('width'),
});

export interface RooflineState {
  readonly rng: RngState;
  /** Candidates told so far. */
  readonly told: number;
  /** The models' sufficient statistics (see Statistics.save). */
  readonly statistics: SavedStatistics;
  /** Feasible non-dominated candidates told (the first told of each objective vector), in key order. */
  readonly front: SavedIndividual[];
  /** The least violating infeasible candidates told (parents while nothing feasible is known). */
  readonly closest: SavedIndividual[];
  /** Asked and not yet told, in ask order. */
  readonly pending: number[][];
  readonly asked: SavedAskedSet;
}

interface SavedStatistics {
  readonly rows: number[];
  /** Per modelled metric beyond the breakdown: still all positive (log model) or not (linear). */
  readonly positive: boolean[];
  /** base64: the Gram matrices' upper triangles as uint32, then every target vector as float64. */
  readonly data: string;
}

/**
 * What the models are fitted from. Three sets of rows, each with its Gram matrix: rows with the whole roofline
 * breakdown (the term models), rows with every other modelled metric (their own models), and rows told while the
 * term models existed, with every latency-shaped metric (the residual models).
 */
class Statistics {
  readonly terms: Gram;
  readonly metrics: Gram;
  readonly residual: Gram;
  /** Aᵀ log(term) per breakdown term. */
  readonly termTargets: Float64Array[];
  /** Per other modelled metric: Aᵀ log y, Aᵀ y and Aᵀ (log y − log composed). */
  readonly logTargets: Float64Array[];
  readonly linearTargets: Float64Array[];
  readonly residualTargets: Float64Array[];
  readonly positive: boolean[];

  constructor(
    readonly layout: OneHotLayout,
    others: number,
    saved?: SavedStatistics,
  ) {
    const n = layout.width + 1;
    const vector = () => new Float64Array(n);
    this.terms = new Gram(layout);
    this.metrics = new Gram(layout);
    this.residual = new Gram(layout);
    this.termTargets = BREAKDOWN.map(vector);
    this.logTargets = Array.from({ length: others }, vector);
    this.linearTargets = Array.from({ length: others }, vector);
    this.residualTargets = Array.from({ length: others }, vector);
    this.positive = saved ? saved.positive.slice() : new Array<boolean>(others).fill(true);
    if (saved) this.load(saved);
  }

  private grams(): Gram[] {
    return [this.terms, this.metrics, this.residual];
  }

  private vectors(): Float64Array[] {
    return [...this.termTargets, ...this.logTargets, ...this.linearTargets, ...this.residualTargets];
  }

  save(): SavedStatistics {
    const n = this.terms.n;
    const triangle = (n * (n + 1)) / 2;
    const ints = new Uint32Array(3 * triangle);
    this.grams().forEach((gram, k) => {
      let at = k * triangle;
      for (let p = 0; p < n; p++) for (let q = p; q < n; q++) ints[at++] = gram.counts[p * n + q];
    });
    const floats = new Float64Array(this.vectors().length * n);
    this.vectors().forEach((v, k) => floats.set(v, k * n));
    const data = Buffer.concat([Buffer.from(ints.buffer), Buffer.from(floats.buffer)]).toString('base64');
    return { rows: this.grams().map((g) => g.rows), positive: this.positive.slice(), data };
  }

  private load(saved: SavedStatistics): void {
    const n = this.terms.n;
    const triangle = (n * (n + 1)) / 2;
    const bytes = Buffer.from(saved.data, 'base64');
    const expected = 3 * triangle * 4 + this.vectors().length * n * 8;
    if (bytes.byteLength !== expected) throw new Error(`roofline state: statistics of ${bytes.byteLength} bytes, expected ${expected}`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.grams().forEach((gram, k) => {
      let at = k * triangle;
      for (let p = 0; p < n; p++) {
        for (let q = p; q < n; q++) {
          const c = view.getUint32(4 * at++, true);
          gram.counts[p * n + q] = c;
          gram.counts[q * n + p] = c;
        }
      }
      gram.rows = saved.rows[k];
    });
    const base = 3 * triangle * 4;
    this.vectors().forEach((v, k) => {
      for (let i = 0; i < n; i++) v[i] = view.getFloat64(base + 8 * (k * n + i), true);
    });
  }
}

/** A predictor of one metric. */
type MetricModel = (g: Genes) => number;

export const rooflineStrategy: StrategyFactory<RooflineState> = {
  id: 'roofline',
  description: 'roofline-guided evolution: learns each roofline term per gene, repairs over-budget candidates along the binding resource, grows the frontier where the predicted trade-off is best',
  options: rooflineOptions,
  create(ctx, saved) {
    return createRoofline(ctx, saved);
  },
};

function createRoofline(ctx: StrategyContext, saved?: RooflineState): Strategy<RooflineState> {
  const { space, objectiveCount } = ctx;
  const o = parseOptions('roofline', rooflineOptions, ctx.options);
  const fitGene = space.genes.findIndex((g) => g.name === o.fitGene && g.ordinal);
  const objectiveMetrics = ctx.objectives?.map((x) => x.metric) ?? [];
  const constraints = ctx.constraints ?? [];
  /** Modelled metrics beyond the breakdown: the objectives' and the constrained ones. */
  const others = [...new Set([...objectiveMetrics, ...constraints.map((c) => c.metric)])].filter((m) => !(BREAKDOWN as readonly string[]).includes(m));
  const layout = oneHotLayout(space.genes.map((g) => g.choices.length));

  const rng = createRng(ctx.seed, saved?.rng);
  let told = saved?.told ?? 0;
  const stats = new Statistics(layout, others.length, saved?.statistics);
  let front: Individual[] = (saved?.front ?? []).map((s) => loadIndividual(s, space));
  let closest: Individual[] = (saved?.closest ?? []).map((s) => loadIndividual(s, space));
  const pending: Genes[] = (saved?.pending ?? []).map((g) => g.slice());
  const asked = new AskedSet(space, saved?.asked);
  /** Models fitted from the statistics as they are now; refitted after a tell changes them. */
  let fittedTerms: Ridge[] | null | undefined;
  let fitted: Map<string, MetricModel> | undefined;

  const compose = (terms: readonly Ridge[], g: Genes, shape: 'total' | 'prefill' | 'decode') => {
    const t = terms.map((m) => Math.exp(m.predict(g)));
    const prefill = Math.max(t[0], t[1]);
    const decode = Math.max(t[2], t[3]);
    return shape === 'prefill' ? prefill : shape === 'decode' ? decode : prefill + decode + t[4];
  };

  const fitTerms = (): Ridge[] | null => {
    if (fittedTerms === undefined) fittedTerms = stats.terms.rows >= 3 ? stats.termTargets.map((t) => Ridge.solve(stats.terms, t)) : null;
    return fittedTerms;
  };

  const fit = (): Map<string, MetricModel> => {
    if (fitted) return fitted;
    const terms = fitTerms();
    const models = new Map<string, MetricModel>();
    others.forEach((metric, c) => {
      const shape = LATENCY_SHAPE[metric];
      if (shape && terms && stats.residual.rows >= 3) {
        const residual = Ridge.solve(stats.residual, stats.residualTargets[c]);
        models.set(metric, (g) => compose(terms, g, shape) * Math.exp(residual.predict(g)));
      } else if (stats.metrics.rows >= 3) {
        const model = Ridge.solve(stats.metrics, stats.positive[c] ? stats.logTargets[c] : stats.linearTargets[c]);
        models.set(metric, stats.positive[c] ? (g) => Math.exp(model.predict(g)) : (g) => model.predict(g));
      }
    });
    fitted = models;
    return fitted;
  };

  /**
   * Adds a told candidate's metrics to the statistics; `terms` are the term models as they were before this tell
   * (a pure function of the statistics then, so a restored strategy computes the same residuals).
   */
  const learn = (g: Genes, metrics: Readonly<Record<string, number>>, terms: readonly Ridge[] | null) => {
    const termValues = BREAKDOWN.map((m) => metrics[m]);
    if (termValues.every((v) => Number.isFinite(v) && v > 0)) {
      stats.terms.add(g);
      termValues.forEach((v, k) => stats.terms.addTarget(stats.termTargets[k], g, Math.log(v)));
    }
    const values = others.map((m) => metrics[m]);
    if (values.every(Number.isFinite)) {
      stats.metrics.add(g);
      values.forEach((v, c) => {
        if (!(v > 0)) stats.positive[c] = false;
        if (stats.positive[c]) stats.metrics.addTarget(stats.logTargets[c], g, Math.log(v));
        stats.metrics.addTarget(stats.linearTargets[c], g, v);
      });
    }
    const latencies = others.map((m, c) => (LATENCY_SHAPE[m] ? c : -1)).filter((c) => c >= 0);
    if (terms && latencies.length > 0 && latencies.every((c) => values[c] > 0 && Number.isFinite(values[c]))) {
      stats.residual.add(g);
      for (const c of latencies) stats.residual.addTarget(stats.residualTargets[c], g, Math.log(values[c]) - Math.log(compose(terms, g, LATENCY_SHAPE[others[c]])));
    }
  };

  /** Adds a told candidate to the frontier archive (or, infeasible, to the closest kept). */
  const archive = (ind: Individual) => {
    if (ind.violation <= 0 && ind.objectives.every(Number.isFinite)) {
      // One member per objective vector: candidates with equal objectives (a gene that changes nothing) would make
      // the archive, and the neighbourhoods searched every batch, grow with the history.
      if (front.some((a) => dominates(a.objectives, ind.objectives) || sameVec(a.objectives, ind.objectives))) return;
      front = front.filter((a) => !dominates(ind.objectives, a.objectives));
      const at = front.findIndex((a) => a.key > ind.key);
      front.splice(at < 0 ? front.length : at, 0, ind);
      closest = [];
    } else if (front.length === 0 && Number.isFinite(ind.violation)) {
      closest.push(ind);
      closest.sort((a, b) => a.violation - b.violation || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      if (closest.length > CLOSEST_KEPT) closest.length = CLOSEST_KEPT;
    }
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

  /** Neighbours of any candidate: a step each way per ordinal gene (fewer at the ends), every other choice per categorical one. */
  const neighbourCount = space.genes.reduce((n, gene) => n + (gene.ordinal ? Math.min(2, gene.choices.length - 1) : gene.choices.length - 1), 0) || 1;

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

  const tryAdd = (out: Genes[], g: Genes) => {
    if (asked.has(g)) return false;
    asked.add(g);
    pending.push(g);
    out.push(g);
    return true;
  };

  const fillRandom = (out: Genes[], n: number): Genes[] => {
    while (out.length < n) {
      const g = asked.randomUnasked(rng);
      if (!g) break;
      tryAdd(out, g);
    }
    return out;
  };

  const ask = (n: number): Genes[] => {
    const out: Genes[] = [];
    let attempts = 0;
    while (told + pending.length < o.initialSamples && out.length < n && attempts++ < 50 * n) tryAdd(out, space.sample(rng));
    if (out.length >= n || told === 0) return fillRandom(out, n);

    // At most MAX_NEIGHBOURS neighbours a batch (a random subset of the frontier when all of theirs would be more),
    // so a batch costs the same however large the frontier has grown.
    const all = front.length > 0 ? front : closest;
    const maxParents = Math.max(1, Math.floor(MAX_NEIGHBOURS / neighbourCount));
    const parents = all.length <= maxParents ? all : shuffled(all, rng).slice(0, maxParents);
    if (parents.length === 0) return fillRandom(out, n);
    const models = objectiveMetrics.length === objectiveCount ? fit() : new Map<string, MetricModel>();
    const lo = new Array(objectiveCount).fill(Infinity);
    const hi = new Array(objectiveCount).fill(-Infinity);
    for (const e of front) e.objectives.forEach((v, j) => ((lo[j] = Math.min(lo[j], v)), (hi[j] = Math.max(hi[j], v))));
    const range = lo.map((l, j) => (hi[j] > l ? hi[j] - l : Math.abs(l) || 1));
    const epsilon = epsilonIndicator(front.map((a) => a.objectives), range);

    const scoredCandidates: { g: Genes; key: string; score: number }[] = [];
    const seen = new Set<string>();
    const consider = (g: Genes) => {
      const key = space.key(g);
      if (seen.has(key) || asked.has(g)) return;
      seen.add(key);
      const p = predict(models, g);
      let score: number;
      if (p.violation > 0 || front.length === 0) score = 1e6 + p.violation;
      else if (p.objectives.some((v) => !Number.isFinite(v))) score = 1e5;
      else {
        // The additive ε-indicator I = min over the frontier of max_j (a_j − p_j) / range_j: how far the frontier
        // must move to weakly dominate the prediction. Larger is better, so the score is −I.
        score = -epsilon(p.objectives);
      }
      scoredCandidates.push({ g, key, score });
    };
    for (const parent of parents) {
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
    const guided = Math.max(1, Math.round(n * (1 - o.exploration)));
    for (const c of scoredCandidates) {
      if (out.length >= guided) break;
      tryAdd(out, c.g);
    }
    // Exploration: mutation and crossover of frontier members, then random samples.
    attempts = 0;
    while (out.length < n && attempts++ < 20 * n) {
      const a = parents[rng.int(parents.length)].genes;
      const g = rng.next() < 0.5 && parents.length > 1 ? space.crossover(a, parents[rng.int(parents.length)].genes, rng)[0] : a;
      tryAdd(out, space.mutate(g, rng));
    }
    return fillRandom(out, n);
  };

  return {
    id: 'roofline',
    ask,
    tell(results: readonly Evaluated[]) {
      const terms = fitTerms();
      for (const r of results) {
        const key = space.key(r.genes);
        const genes = takeAsked(pending, space, key);
        const s = scored(r, objectiveCount);
        if (s.violation !== Infinity) learn(genes, r.metrics, terms);
        archive({ genes, key, objectives: s.objectives, violation: s.violation });
        told++;
      }
      fittedTerms = undefined;
      fitted = undefined;
    },
    done: () => asked.exhausted() && pending.length === 0,
    state: () => ({
      rng: rng.state(),
      told,
      statistics: stats.save(),
      front: front.map(saveIndividual),
      closest: closest.map(saveIndividual),
      pending: pending.map((g) => g.slice()),
      asked: asked.save(),
    }),
  };
}

/**
 * The additive ε-indicator of a point against a set of mutually non-dominated points `front`, each objective
 * divided by `range`: min over a of max_j (a_j − p_j) / range_j. With two objectives the front sorted by the first
 * has the first term rising and the second falling, so the minimum sits where they cross: a binary search.
 */
export function epsilonIndicator(front: readonly (readonly number[])[], range: readonly number[]): (p: readonly number[]) => number {
  const m = range.length;
  const at = (a: readonly number[], p: readonly number[]) => {
    let eps = -Infinity;
    for (let j = 0; j < m; j++) eps = Math.max(eps, (a[j] - p[j]) / range[j]);
    return eps;
  };
  if (m !== 2) {
    return (p) => {
      let best = Infinity;
      for (const a of front) best = Math.min(best, at(a, p));
      return best;
    };
  }
  const sorted = front.slice().sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return (p) => {
    if (sorted.length === 0) return Infinity;
    // First k where the first objective's term reaches the second's.
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((sorted[mid][0] - p[0]) / range[0] >= (sorted[mid][1] - p[1]) / range[1]) hi = mid;
      else lo = mid + 1;
    }
    let best = Infinity;
    if (lo < sorted.length) best = at(sorted[lo], p);
    if (lo > 0) best = Math.min(best, at(sorted[lo - 1], p));
    return best;
  };
}

function sameVec(a: readonly number[], b: readonly number[]): boolean {
  for (let j = 0; j < a.length; j++) if (a[j] !== b[j]) return false;
  return true;
}
