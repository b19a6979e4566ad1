/**
 * What a strategy costs as its history grows, driven as the study drives it (generations of 64 asks, a repeated
 * ask evaluated again without counting, analytic evaluation as `hwnas search` prices candidates):
 * - time per distinct candidate: the strategy's own CPU time (ask + tell, process user + system time, so its GC
 *   counts; the evaluation is outside it) over the 1,000 distinct candidates before 2,000 and 20,000 (and 200,000
 *   with `--full`), on llm-hybrid (1.4·10^8 candidates, Jetson AGX Orin, loss vs latency). Target (issue #18): flat,
 *   or logarithmic, in the candidates seen;
 * - asks per distinct candidate to reach those counts (1 when the strategy never asks a candidate twice);
 * - on llm-codesign (37,800 candidates), the distinct candidates reached with a budget of 20,000 and the asks it
 *   took: a strategy that stops proposing new candidates ('exhausted') before the space is used up reaches less.
 * Every strategy but exhaustive, seed 1.
 *
 *   npm run bench -- --only strategy-cost [--full]
 *   HWNAS_COST_STRATEGIES=roofline,nsga2 npm run bench -- --only strategy-cost
 *
 * The machine is shared: compare the windows of one run with each other (ratios), not absolute times across runs.
 */
import { parseObjectives, scoreMetrics } from '../core/objectives.js';
import type { Genes, SearchSpace } from '../core/space.js';
import { llmCodesignSpace } from '../core/spaces/llm-codesign.js';
import { llmHybridSpace } from '../core/spaces/llm-hybrid.js';
import { PAPER_WORKLOAD } from '../core/workload.js';
import { getDevice } from '../hardware/devices.js';
import { resolveLaw } from '../predictors/loss/index.js';
import { analyticMetrics, DEFAULT_PRECISION_LOSS, DEFAULT_TRAINING_TOKENS, type AnalyticSpec } from '../search/evaluate/analytic.js';
import { STRATEGIES } from '../search/strategies/index.js';
import type { Evaluated } from '../search/strategy.js';
import type { BenchResult } from './types.js';

const FULL = process.env.HWNAS_BENCH_FULL === '1';
const WINDOW = 1000;
const BATCH = 64;
/** Generations in a row without a new candidate after which a strategy counts as stopped. */
const BARREN_LIMIT = 200;
const objectives = parseObjectives('loss,latency');
const spec: AnalyticSpec = { kind: 'analytic', device: getDevice('jetson-agx-orin'), workload: PAPER_WORKLOAD, mode: 'roofline', law: 'codesign', trainingTokens: DEFAULT_TRAINING_TOKENS, precisionLoss: DEFAULT_PRECISION_LOSS };
const law = resolveLaw(spec.law);

/** Options a strategy needs: MnasNet's latency target (ms), as the quality bench sets it on each space. */
const MNAS_TARGET_MS: Readonly<Record<string, number>> = { 'llm-hybrid': 65, 'llm-codesign': 100 };

interface Trace {
  /** Distinct candidates reached. */
  readonly distinct: number;
  readonly asks: number;
  /** Whether the strategy stopped proposing (done, or BARREN_LIMIT generations without a new candidate). */
  readonly stopped: boolean;
  /** At each mark: strategy CPU ms per distinct candidate over the WINDOW before it, and asks per distinct so far. */
  readonly marks: { at: number; msPerCandidate: number; asksPerDistinct: number }[];
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Runs `id` on `space` to `marks[last]` distinct candidates (a repeated ask not counted). */
function drive(id: string, space: SearchSpace, marks: readonly number[]): Trace {
  const options = id === 'mnas' ? { target: MNAS_TARGET_MS[space.id] } : {};
  const strategy = STRATEGIES[id].create({ space, objectiveCount: 2, seed: 1, options, objectives });
  // No memo of results: a heap of 200,000 results would make the strategy's share of garbage collection grow with
  // the run (a repeated ask, rare now, is evaluated again, outside the timed calls).
  const evaluate = (g: Genes): Evaluated => {
    const metrics = analyticMetrics(space.decode(g), spec, law);
    const s = scoreMetrics(metrics, objectives, []);
    return { genes: g, objectives: s.objectives, violation: s.violation, metrics };
  };
  const budget = marks[marks.length - 1];
  const seen = new Set<string>();
  // (distinct, strategy CPU ms, asks) after every generation.
  const trace: [number, number, number][] = [[0, 0, 0]];
  let strategyMs = 0;
  let asks = 0;
  let barren = 0;
  let stopped = false;
  while (seen.size < budget) {
    let t = cpuMs();
    if (strategy.done()) {
      stopped = true;
      break;
    }
    const asked = strategy.ask(Math.min(BATCH, budget - seen.size));
    strategyMs += cpuMs() - t;
    asks += asked.length;
    const before = seen.size;
    const results = asked.map((g) => {
      seen.add(space.key(g));
      return evaluate(g);
    });
    t = cpuMs();
    if (results.length > 0) strategy.tell(results);
    strategyMs += cpuMs() - t;
    trace.push([seen.size, strategyMs, asks]);
    barren = seen.size === before ? barren + 1 : 0;
    if (barren >= BARREN_LIMIT) {
      stopped = true;
      break;
    }
  }
  const out: Trace['marks'] = [];
  for (const at of marks) {
    const end = trace.find(([n]) => n >= at);
    const start = [...trace].reverse().find(([n]) => n <= at - WINDOW);
    if (!end || !start) break;
    out.push({ at, msPerCandidate: (end[1] - start[1]) / (end[0] - start[0]), asksPerDistinct: end[2] / end[0] });
  }
  return { distinct: seen.size, asks, stopped, marks: out };
}

export async function run(): Promise<BenchResult[]> {
  const ids = (process.env.HWNAS_COST_STRATEGIES ?? Object.keys(STRATEGIES).filter((id) => id !== 'exhaustive').join(',')).split(',');
  const marks = FULL ? [2000, 20000, 200000] : [2000, 20000];
  const out: BenchResult[] = [];
  for (const id of ids) {
    const t = drive(id, llmHybridSpace, marks);
    for (const m of t.marks) {
      out.push({ name: `${id} on llm-hybrid: strategy CPU time per distinct candidate, ${WINDOW} before ${m.at}`, value: m.msPerCandidate, unit: 'ms' });
      out.push({ name: `${id} on llm-hybrid: asks per distinct candidate to ${m.at}`, value: m.asksPerDistinct, unit: 'ratio' });
    }
    if (t.distinct < marks[marks.length - 1]) {
      out.push({ name: `${id} on llm-hybrid: stopped early at (distinct candidates)`, value: t.distinct, unit: 'candidates' });
    }
  }
  // Early stops: a budget of 20,000 of llm-codesign's 37,800 candidates.
  for (const id of ids) {
    const t = drive(id, llmCodesignSpace, [20000]);
    out.push({ name: `${id} on llm-codesign, budget 20,000 of ${llmCodesignSpace.size()}: distinct candidates reached${t.stopped ? ' (stopped)' : ''}`, value: t.distinct, unit: 'candidates' });
    out.push({ name: `${id} on llm-codesign, budget 20,000: asks per distinct candidate`, value: t.asks / t.distinct, unit: 'ratio' });
  }
  return out;
}
