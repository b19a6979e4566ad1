/**
 * NSGA-II in long studies (search/strategies/nsga2.ts, "once mating stalls"): `fill: 'random'`, the former
 * behaviour (100 mating rounds, then random new candidates), against `fill: 'nearby'`, the default (mating stops at
 * 20 children bred per child wanted; known children are walked to new ones nearby). Driven as strategy-cost drives
 * a study (asks of 64, analytic evaluation outside the timed calls), seeds 1..5 (HWNAS_LATE_SEEDS), on
 * - llm-hybrid (1.4·10^8 candidates, Jetson AGX Orin, loss vs latency; frontier of long reference runs,
 *   bench/data/reference-frontiers.json), to 20,000 and 50,000 distinct candidates (and 200,000 with --full);
 * - llm-codesign (37,800 candidates, exact frontier) to 1,890 (the quality bench's 5%), 5,000, 10,000 and 20,000.
 * At each mark, over the WINDOW candidates before it:
 * - the share of children from mating, from the walk and at random;
 * - the strategy's CPU time per candidate (ask + tell, process user + system time, so its GC counts);
 * - the mean distance of those candidates to the reference frontier: IGD+'s d+ (the part of the gap that is worse,
 *   objectives normalised to the frontier's ideal and nadir; 0 on the frontier);
 * and, of everything found so far, the share of the reference frontier's points found and the hypervolume ratio to
 * the reference frontier (normalised, reference point 1.1; both as bench/strategy-quality.bench.ts). Each figure is
 * the mean over the seeds, their range beside it; the mean d+ of uniformly random candidates gives the scale of a
 * random child's distance.
 *
 *   npm run bench -- --only nsga2-late [--full]
 *   HWNAS_LATE_TABLE=bench/results/nsga2-late.md nice -n 10 npm run bench -- --only nsga2-late --full
 *
 * The machine is shared: CPU times move with its load (compare the fills within one run); the shares, distances
 * and hypervolumes are deterministic from the seeds.
 */
import { writeFileSync } from 'node:fs';
import { parseObjectives, scoreMetrics } from '../core/objectives.js';
import { normalise, paretoIndices } from '../core/pareto.js';
import { createRng } from '../core/rng.js';
import type { Genes } from '../core/space.js';
import { PAPER_WORKLOAD } from '../core/workload.js';
import { getDevice } from '../hardware/devices.js';
import { resolveLaw } from '../predictors/loss/index.js';
import { analyticMetrics, DEFAULT_PRECISION_LOSS, DEFAULT_TRAINING_TOKENS, type AnalyticSpec } from '../search/evaluate/analytic.js';
import type { ChildOrigins } from '../search/strategies/nsga2.js';
import { nsga2Strategy } from '../search/strategies/nsga2.js';
import type { Evaluated } from '../search/strategy.js';
import { codesignProblem, hybridProblem, referenceFor, scoreFound, type QualityProblem, type Reference } from './lib/search-quality.js';
import type { BenchResult } from './types.js';

const FULL = process.env.HWNAS_BENCH_FULL === '1';
const SEEDS = Number(process.env.HWNAS_LATE_SEEDS ?? 5);
const BATCH = 64;
/** Candidates before each mark over which its figures are taken (from 0 where the mark is smaller). */
const WINDOW = 5000;
const FILLS = ['random', 'nearby'] as const;
const objectives = parseObjectives('loss,latency');
const spec: AnalyticSpec = { kind: 'analytic', device: getDevice('jetson-agx-orin'), workload: PAPER_WORKLOAD, mode: 'roofline', law: 'codesign', trainingTokens: DEFAULT_TRAINING_TOKENS, precisionLoss: DEFAULT_PRECISION_LOSS };
const law = resolveLaw(spec.law);

interface Mark {
  readonly at: number;
  /** Shares of the window's children by origin. */
  readonly mated: number;
  readonly walked: number;
  readonly random: number;
  readonly usPerCandidate: number;
  readonly distance: number;
  readonly hvRatio: number;
  /** Share of the reference frontier's points found. */
  readonly found: number;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** IGD+'s d+ of one normalised point to the normalised reference frontier. */
function distancePlus(p: readonly number[], ref: Reference): number {
  let best = Infinity;
  for (const q of ref.normalised) {
    let s = 0;
    for (let j = 0; j < p.length; j++) s += Math.max(0, p[j] - q[j]) ** 2;
    best = Math.min(best, Math.sqrt(s));
  }
  return best;
}

/** One run of nsga2 with `fill` to the last of `marks` distinct candidates (every ask is new: no repeats to skip). */
function drive(problem: QualityProblem, fill: string, seed: number, marks: readonly number[]): Mark[] {
  const { space } = problem;
  const ref = referenceFor(problem);
  const strategy = nsga2Strategy.create({ space, objectiveCount: 2, seed, options: { fill }, objectives });
  // Evaluated afresh, not memoised: a heap of 200,000 results would charge its garbage collection to the strategy.
  const evaluate = (g: Genes): Evaluated => {
    const metrics = analyticMetrics(space.decode(g), spec, law);
    const s = scoreMetrics(metrics, objectives, []);
    return { genes: g, objectives: s.objectives, violation: s.violation, metrics };
  };
  const origins = () => ({ ...(strategy.state().childOrigins as ChildOrigins) });
  let front: number[][] = [];
  const out: Mark[] = [];
  let asked = 0;
  let ms = 0;
  for (const at of marks) {
    // Asks stop at the window's start, so that the window is exactly the candidates from there to the mark.
    const from = Math.max(asked, at - WINDOW);
    let start: { origins: ChildOrigins; ms: number; asked: number } | undefined;
    let distance = 0;
    while (asked < at && !strategy.done()) {
      if (!start && asked >= from) start = { origins: origins(), ms, asked };
      let t = cpuMs();
      const genes = strategy.ask(Math.min(BATCH, (start ? at : from) - asked));
      ms += cpuMs() - t;
      asked += genes.length;
      const results = genes.map(evaluate);
      for (const r of results) {
        front.push(r.objectives as number[]);
        if (start) distance += distancePlus(normalise([r.objectives as number[]], ref.bounds)[0], ref);
      }
      t = cpuMs();
      strategy.tell(results);
      ms += cpuMs() - t;
      // Only the running frontier counts for the hypervolume.
      if (front.length > 4096) front = paretoIndices(front).map((i) => front[i]);
    }
    if (!start) throw new Error(`nsga2 (fill ${fill}) stopped at ${asked} candidates of ${at}`);
    const end = origins();
    const children = end.mated + end.walked + end.random - (start.origins.mated + start.origins.walked + start.origins.random);
    const share = (k: keyof ChildOrigins) => (end[k] - start.origins[k]) / children;
    const n = asked - start.asked;
    out.push({ at, mated: share('mated'), walked: share('walked'), random: share('random'), usPerCandidate: (1000 * (ms - start.ms)) / n, distance: distance / n, ...score(front, ref) });
  }
  return out;
}

function score(front: readonly number[][], ref: Reference): Pick<Mark, 'hvRatio' | 'found'> {
  const s = scoreFound(front, ref);
  return { hvRatio: s.hvRatio, found: s.share };
}

/** Mean d+ of `n` uniformly random candidates: the scale of a random child's distance. */
function randomDistance(problem: QualityProblem, n: number): number {
  const ref = referenceFor(problem);
  const rng = createRng(1);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += distancePlus(normalise([problem.evaluate(problem.space.sample(rng)).objectives as number[]], ref.bounds)[0], ref);
  return sum / n;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Mean, with the range over the seeds. */
function summary(xs: readonly number[], digits: number, scale = 1): string {
  const f = (x: number) => (x * scale).toFixed(digits);
  return `${f(mean(xs))} [${f(Math.min(...xs))}–${f(Math.max(...xs))}]`;
}

export async function run(): Promise<BenchResult[]> {
  const problems: [QualityProblem, number[]][] = [
    [hybridProblem(), FULL ? [20000, 50000, 200000] : [20000, 50000]],
    [codesignProblem(), [1890, 5000, 10000, 20000]],
  ];
  const results: BenchResult[] = [];
  const table = [
    `NSGA-II in long studies: fill 'random' (before) against 'nearby' (now); mean [min–max] of seeds 1..${SEEDS}, each figure over the ${WINDOW.toLocaleString('en')} candidates before the mark but the frontier found and its hypervolume (everything found so far).`,
    '',
  ];
  for (const [problem, marks] of problems) {
    table.push(`## ${problem.description}`, '', '| candidates | fill | mated | walked | random | strategy µs per candidate | d+ to the frontier | frontier found | HV ratio |', '|---|---|---|---|---|---|---|---|---|');
    // Compiled and warm before the first timed run.
    drive(problem, 'nearby', 0, [2000]);
    const runs = Object.fromEntries(FILLS.map((fill) => [fill, Array.from({ length: SEEDS }, (_, s) => drive(problem, fill, s + 1, marks))]));
    marks.forEach((at, k) => {
      for (const fill of FILLS) {
        const m = runs[fill].map((r) => r[k]);
        const label = `nsga2 fill=${fill} on ${problem.id}, ${WINDOW} before ${at}`;
        const pick = (key: keyof Mark) => m.map((x) => x[key]);
        results.push({ name: `${label}: random children`, value: 100 * mean(pick('random')), unit: `% [${summary(pick('random'), 1, 100)}]` });
        results.push({ name: `${label}: walked children`, value: 100 * mean(pick('walked')), unit: `% [${summary(pick('walked'), 1, 100)}]` });
        results.push({ name: `${label}: strategy CPU per candidate`, value: mean(pick('usPerCandidate')), unit: `µs [${summary(pick('usPerCandidate'), 1)}]` });
        results.push({ name: `${label}: d+ to the reference frontier`, value: mean(pick('distance')), unit: `normalised [${summary(pick('distance'), 4)}]` });
        results.push({ name: `nsga2 fill=${fill} on ${problem.id} at ${at}: frontier found`, value: 100 * mean(pick('found')), unit: `% [${summary(pick('found'), 1, 100)}]` });
        results.push({ name: `nsga2 fill=${fill} on ${problem.id} at ${at}: HV ratio`, value: mean(pick('hvRatio')), unit: `ratio [${summary(pick('hvRatio'), 6)}]` });
        table.push(
          `| ${at.toLocaleString('en')} | ${fill} | ${summary(pick('mated'), 1, 100)}% | ${summary(pick('walked'), 1, 100)}% | ${summary(pick('random'), 1, 100)}% | ${summary(pick('usPerCandidate'), 1)} | ${summary(pick('distance'), 4)} | ${summary(pick('found'), 1, 100)}% | ${summary(pick('hvRatio'), 6)} |`,
        );
      }
    });
    const uniform = randomDistance(problem, 5000);
    results.push({ name: `${problem.id}: d+ of 5,000 uniformly random candidates`, value: uniform, unit: 'normalised' });
    table.push('', `d+ of 5,000 uniformly random candidates, for scale: ${uniform.toFixed(4)}.`, '');
  }
  if (process.env.HWNAS_LATE_TABLE) writeFileSync(process.env.HWNAS_LATE_TABLE, table.join('\n'));
  return results;
}
