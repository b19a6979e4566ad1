/**
 * Multi-objective tree-structured Parzen estimator (Bergstra et al. 2011; the multi-objective split of Ozaki et al.
 * 2020, as Optuna's TPESampler) for small budgets, on discrete genes and without repeated asks:
 * - the first `startupSamples` (10) candidates are distinct random samples;
 * - then the told candidates are split into a good share γ (`gamma`, 0.1, at least one) and the rest: by
 *   constrained non-dominated rank (feasible first, then by violation; failures last), the last rank that only
 *   partly fits cut by crowding distance (Optuna solves a hypervolume subset selection there);
 * - l(x) and g(x) are Parzen estimators (operators/parzen.ts, multivariate over the genes) of the good and the rest,
 *   the candidates asked and not yet told counted with the rest (Optuna's constant liar);
 * - each asked candidate is the best by log l(x) − log g(x) of `candidates` (24) draws from l(x) that were never
 *   asked; once picked it counts with the rest too, so a batch spreads out;
 * - the history is an elite archive of at most `maxObservations` (1,000) told candidates: when it overflows the
 *   worst by rank and crowding leave, so the cost of an ask and the size of the saved state stay bounded.
 * Optuna's TPE asks the same candidate again and again in a small discrete space (65% of its trials on
 * llm-codesign at 1% of the space); here a draw already asked is discarded, and when `candidates` draws bring
 * nothing new a random unasked candidate is taken.
 */
import { z } from 'zod';
import { crowdingDistance, nonDominatedSort } from '../../core/pareto.js';
import { createRng, type RngState } from '../../core/rng.js';
import type { Genes } from '../../core/space.js';
import type { Strategy, StrategyFactory } from '../strategy.js';
import { loadIndividual, numberIn, parseOptions, saveIndividual, sizeOption, scored, type Individual, type SavedIndividual, takeAsked } from './common.js';
import { AskedSet, type SavedAskedSet } from './operators/duplicates.js';
import { ParzenEstimator } from './operators/parzen.js';

export const tpeOptions = z.strictObject({
  /** Random candidates before the Parzen estimators guide the search. */
  startupSamples: sizeOption(1).default(10),
  /** Draws from l(x) scored per asked candidate. */
  candidates: sizeOption(1).default(24),
  /** Share of the told candidates that makes the good group. */
  gamma: numberIn(0.01, 0.99).default(0.1),
  /** Told candidates kept in the elite archive (bounds the cost of an ask and the saved state). */
  maxObservations: sizeOption(10).default(1000),
  /** Candidates asked at most per ask. */
  batch: sizeOption(1).default(8),
});

export interface TpeState {
  readonly rng: RngState;
  /** Told candidates kept (the elite archive), in the order they were told. */
  readonly observations: SavedIndividual[];
  /** Asked and not yet told. */
  readonly pending: number[][];
  readonly asked: SavedAskedSet;
}

/** Indices of `observations`, best first: constrained non-dominated rank, then crowding within a rank. */
function ranked(observations: readonly Individual[]): number[] {
  const points = observations.map((o) => o.objectives);
  const fronts = nonDominatedSort(
    points,
    observations.map((o) => o.violation),
  );
  const out: number[] = [];
  for (const front of fronts) {
    const feasible = observations[front[0]].violation <= 0;
    const crowding = feasible && front.length > 2 ? crowdingDistance(points, front) : undefined;
    const order = front.map((_, k) => k);
    // Stable: equal crowding keeps tell order, so the ranking does not depend on anything but the history.
    if (crowding) order.sort((a, b) => (crowding[a] === crowding[b] ? 0 : crowding[a] > crowding[b] ? -1 : 1));
    for (const k of order) out.push(front[k]);
  }
  return out;
}

export const tpeStrategy: StrategyFactory<TpeState> = {
  id: 'tpe',
  description: 'multi-objective TPE (as Optuna) on discrete genes, for small budgets: Parzen estimators of the best 10% and the rest, no repeated asks',
  options: tpeOptions,
  create(ctx, saved) {
    const { space, objectiveCount } = ctx;
    const o = parseOptions('tpe', tpeOptions, ctx.options);
    const rng = createRng(ctx.seed, saved?.rng);
    let observations: Individual[] = (saved?.observations ?? []).map((s) => loadIndividual(s, space));
    const asked = new AskedSet(space, saved?.asked);
    /** Asked and not yet told, in ask order. */
    const pending: Genes[] = (saved?.pending ?? []).map((g) => g.slice());

    const randomUnasked = (): Genes | undefined => asked.randomUnasked(rng);

    const ask = (n: number): Genes[] => {
      const out: Genes[] = [];
      const take = (g: Genes) => {
        asked.add(g);
        pending.push(g);
        out.push(g);
      };
      while (out.length < n && asked.size < o.startupSamples) {
        const g = randomUnasked();
        if (!g) return out;
        take(g);
      }
      if (out.length > 0 || observations.length === 0) return out; // start-up samples: let them be told first
      n = Math.min(n, o.batch);
      const order = ranked(observations);
      const good = Math.max(1, Math.ceil(o.gamma * observations.length));
      const below = new ParzenEstimator(
        space.genes,
        order.slice(0, good).map((i) => observations[i].genes),
      );
      const above = new ParzenEstimator(space.genes, [...order.slice(good).map((i) => observations[i].genes), ...pending]);
      while (out.length < n) {
        let best: Genes | undefined;
        let bestScore = -Infinity;
        const drawn = new Set<string>();
        for (let c = 0; c < o.candidates; c++) {
          const g = below.sample(rng);
          const key = space.key(g);
          if (drawn.has(key) || asked.has(g)) continue;
          drawn.add(key);
          const score = below.logDensity(g) - above.logDensity(g);
          if (score > bestScore) {
            best = g;
            bestScore = score;
          }
        }
        best ??= randomUnasked();
        if (!best) break;
        take(best);
        above.add(best);
      }
      return out;
    };

    return {
      id: 'tpe',
      ask,
      tell(results) {
        for (const r of results) {
          const key = space.key(r.genes);
          const genes = takeAsked(pending, space, key);
          const s = scored(r, objectiveCount);
          observations.push({ genes, key, objectives: s.objectives, violation: s.violation });
        }
        if (observations.length > o.maxObservations) {
          const keep = new Set(ranked(observations).slice(0, o.maxObservations));
          observations = observations.filter((_, i) => keep.has(i));
        }
      },
      done: () => asked.exhausted() && pending.length === 0,
      state: () => ({
        rng: rng.state(),
        observations: observations.map(saveIndividual),
        pending: pending.map((g) => g.slice()),
        asked: asked.save(),
      }),
    } satisfies Strategy<TpeState>;
  },
};
