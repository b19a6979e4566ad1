/**
 * Pareto-guided simulated annealing with momentum (after QEIL v2's PGSAM). Our reading of it:
 * - `chains` independent annealing chains (default 8), each with its own weight vector over the objectives (evenly
 *   spread for two objectives, Dirichlet(1) draws otherwise), its own temperature T = T0 · cooling^step and a
 *   momentum vector over the ordinal genes;
 * - a shared archive of the feasible non-dominated candidates seen (at most `archiveSize`, pruned by crowding);
 * - proposal: with probability ½ when the chain has momentum, a momentum move — every ordinal gene whose
 *   |velocity| ≥ 0.1 steps one choice in the velocity's direction with probability |v_i| / max|v| — otherwise the
 *   space's own mutation;
 * - acceptance (Pareto-guided): a failed proposal never; if either point is infeasible, the smaller violation is
 *   accepted and a larger one with probability exp(−Δviolation / T); between feasible points, a proposal that
 *   dominates the current point or enters the archive is accepted, otherwise with probability exp(−Δ / T) where
 *   Δ is the chain's weighted sum of objective changes, each normalised by the archive's range in that objective;
 * - momentum: after an improving move v ← μ·v + (1 − μ)·sign(Δgenes); otherwise v ← μ·v;
 * - reheating: when T falls below `minTemperature` the chain restarts at T0 from an archive member picked at
 *   random, with zero momentum, so a long run keeps exploring the frontier instead of freezing.
 * - no repeated asks (operators/duplicates.ts): a proposal already asked is drawn again (at most 32 times), then
 *   replaced by a random candidate never asked; without it a chain re-proposed known neighbours, and reaching 20,000
 *   distinct candidates of llm-codesign took 2.3 asks each. Done when the space is used up.
 * Results are consumed in ask order, so the run does not depend on which evaluation finishes first.
 */
import { crowdingDistance, dominates } from '../../core/pareto.js';
import { createRng, type Rng, type RngState } from '../../core/rng.js';
import { z } from 'zod';
import type { Genes } from '../../core/space.js';
import type { Strategy, StrategyFactory } from '../strategy.js';
import {
  loadIndividual,
  loadNumber,
  numberIn,
  PendingQueue,
  parseOptions,
  sizeOption,
  saveIndividual,
  saveNumber,
  type Individual,
  type SavedIndividual,
  type SavedNumber,
  type SavedPending,
} from './common.js';
import { AskedSet, type SavedAskedSet } from './operators/duplicates.js';

interface Chain {
  current: Individual | null;
  step: number;
  velocity: number[];
  readonly weights: number[];
}

export interface AnnealState {
  readonly rng: RngState;
  readonly nextChain: number;
  readonly archive: SavedIndividual[];
  readonly chains: { current: SavedIndividual | null; step: number; velocity: SavedNumber[]; weights: number[] }[];
  readonly pending: SavedPending;
  /** Every candidate asked (absent in states saved before asks were distinct). */
  readonly asked?: SavedAskedSet;
}

const MOMENTUM_THRESHOLD = 0.1;
/** Proposals drawn again when one was asked before, before a random unasked candidate is taken. */
const MAX_REDRAWS = 32;

const ANNEAL_OPTIONS = z.strictObject({
  chains: sizeOption(1).default(8),
  initialTemperature: numberIn(0, Infinity, true).default(0.1),
  cooling: numberIn(0, 1, true).default(0.95),
  minTemperature: numberIn(0, Infinity).default(1e-3),
  momentum: numberIn(0, 1).default(0.6),
  archiveSize: sizeOption(2).default(256),
});

export const annealStrategy: StrategyFactory<AnnealState> = {
  id: 'anneal',
  description: 'Pareto-guided simulated annealing with momentum (after QEIL v2): archive, weighted chains, reheating',
  options: ANNEAL_OPTIONS,
  create(ctx, saved) {
    const { space, objectiveCount: m } = ctx;
    const o = parseOptions('anneal', ANNEAL_OPTIONS, ctx.options);
    const { chains: chainCount, initialTemperature: t0, cooling, minTemperature, momentum: mu, archiveSize } = o;
    const rng = createRng(ctx.seed, saved?.rng);
    const ordinal = space.genes.map((g, i) => (g.ordinal && g.choices.length > 1 ? i : -1)).filter((i) => i >= 0);

    let nextChain = saved?.nextChain ?? 0;
    const archive: Individual[] = (saved?.archive ?? []).map((s) => loadIndividual(s, space));
    const chains: Chain[] = saved
      ? saved.chains.map((c) => ({
          current: c.current ? loadIndividual(c.current, space) : null,
          step: c.step,
          velocity: c.velocity.map(loadNumber),
          weights: c.weights,
        }))
      : Array.from({ length: chainCount }, (_, k) => ({
          current: null,
          step: 0,
          velocity: new Array<number>(ordinal.length).fill(0),
          weights: chainWeights(k, chainCount, m, rng),
        }));
    const pending = new PendingQueue(space, m, saved?.pending);
    const asked = new AskedSet(space, saved?.asked);

    /** Adds p to the archive when no member is at least as good; true when it entered. */
    const archiveInsert = (p: Individual): boolean => {
      if (p.violation > 0) return false;
      for (const q of archive) {
        let noWorse = true;
        for (let j = 0; j < m && noWorse; j++) noWorse = q.objectives[j] <= p.objectives[j];
        if (noWorse) return false;
      }
      for (let k = archive.length - 1; k >= 0; k--) if (dominates(p.objectives, archive[k].objectives)) archive.splice(k, 1);
      archive.push(p);
      if (archive.length > archiveSize) {
        const points = archive.map((a) => a.objectives);
        const crowding = crowdingDistance(points, points.map((_, i) => i));
        let worst = 0;
        for (let i = 1; i < crowding.length; i++) if (crowding[i] < crowding[worst]) worst = i;
        const removed = archive.splice(worst, 1)[0];
        return removed !== p;
      }
      return true;
    };

    /** Weighted objective change from c to p, each objective normalised by the archive's range. */
    const scalarDelta = (c: Individual, p: Individual, w: readonly number[]): number => {
      let delta = 0;
      for (let j = 0; j < m; j++) {
        let lo = Infinity;
        let hi = -Infinity;
        for (const a of archive) {
          const v = a.objectives[j];
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        const range = hi - lo > 0 ? hi - lo : Math.max(Math.abs(c.objectives[j]), 1e-12);
        delta += (w[j] * (p.objectives[j] - c.objectives[j])) / range;
      }
      return delta;
    };

    const propose = (chain: Chain): Genes => {
      const cur = chain.current;
      if (!cur) return space.sample(rng);
      let maxAbs = 0;
      for (const v of chain.velocity) maxAbs = Math.max(maxAbs, Math.abs(v));
      if (maxAbs >= MOMENTUM_THRESHOLD && rng.next() < 0.5) {
        const g = cur.genes.slice();
        let moved = false;
        for (let k = 0; k < ordinal.length; k++) {
          const v = chain.velocity[k];
          if (Math.abs(v) < MOMENTUM_THRESHOLD || rng.next() >= Math.abs(v) / maxAbs) continue;
          const i = ordinal[k];
          const next = g[i] + Math.sign(v);
          if (next >= 0 && next < space.genes[i].choices.length) {
            g[i] = next;
            moved = true;
          }
        }
        if (moved) return g;
      }
      return space.mutate(cur.genes, rng);
    };

    const update = (chain: Chain, p: Individual) => {
      const entered = archiveInsert(p);
      const cur = chain.current;
      const temperature = t0 * Math.pow(cooling, chain.step);
      let accept = false;
      let improved = false;
      if (p.violation === Infinity) accept = false;
      else if (!cur) accept = improved = true;
      else if (p.violation > 0 || cur.violation > 0) {
        const dv = p.violation - cur.violation;
        improved = dv < 0;
        accept = dv <= 0 || rng.next() < Math.exp(-dv / temperature);
      } else if (dominates(p.objectives, cur.objectives) || entered) {
        accept = improved = true;
      } else {
        const delta = scalarDelta(cur, p, chain.weights);
        improved = delta < 0;
        accept = delta <= 0 || rng.next() < Math.exp(-delta / temperature);
      }
      for (let k = 0; k < ordinal.length; k++) {
        const i = ordinal[k];
        const dir = improved && cur ? Math.sign(p.genes[i] - cur.genes[i]) : 0;
        chain.velocity[k] = mu * chain.velocity[k] + (1 - mu) * dir;
      }
      if (accept) chain.current = p;
      chain.step++;
      if (t0 * Math.pow(cooling, chain.step) < minTemperature) {
        chain.step = 0;
        chain.velocity.fill(0);
        if (archive.length > 0) chain.current = archive[rng.int(archive.length)];
      }
    };

    const strategy: Strategy<AnnealState> = {
      id: 'anneal',
      ask(n) {
        const busy = new Set(pending.tags());
        const out: Genes[] = [];
        for (let tries = 0; tries < chains.length && out.length < n; tries++) {
          const c = nextChain;
          nextChain = (nextChain + 1) % chains.length;
          if (busy.has(c)) continue;
          let g: Genes | undefined = propose(chains[c]);
          for (let redraw = 0; redraw < MAX_REDRAWS && asked.has(g); redraw++) g = propose(chains[c]);
          if (asked.has(g)) g = asked.randomUnasked(rng);
          if (!g) break;
          asked.add(g);
          pending.add(g, c);
          out.push(g);
        }
        return out;
      },
      tell(results) {
        pending.resolve(results);
        for (const { individual, tag } of pending.drain()) update(chains[tag], individual);
      },
      done: () => asked.exhausted() && pending.size === 0,
      state: () => ({
        rng: rng.state(),
        nextChain,
        archive: archive.map(saveIndividual),
        chains: chains.map((c) => ({
          current: c.current ? saveIndividual(c.current) : null,
          step: c.step,
          velocity: c.velocity.map(saveNumber),
          weights: c.weights.slice(),
        })),
        pending: pending.save(),
        asked: asked.save(),
      }),
    };
    return strategy;
  },
};

/** Chain k's weights: evenly spread for two objectives, a Dirichlet(1) draw otherwise. */
function chainWeights(k: number, count: number, m: number, rng: Rng): number[] {
  if (m === 1) return [1];
  if (m === 2) {
    const a = (k + 0.5) / count;
    return [a, 1 - a];
  }
  const w = Array.from({ length: m }, () => -Math.log(1 - rng.next()));
  const sum = w.reduce((s, x) => s + x, 0);
  return w.map((x) => x / sum);
}
