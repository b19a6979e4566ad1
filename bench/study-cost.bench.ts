/**
 * Cost per candidate as a study grows: a study on llm-hybrid (1.4·10^8 candidates; Jetson AGX Orin, the paper's
 * workload, analytic evaluator, loss vs latency) recorded in SQLite, run to 20,000 distinct candidates (200,000
 * with `--full`), timed at every generation. Reported: wall time per distinct candidate over the 1,000 candidates
 * before 2,000, 20,000 and 200,000, and the evaluator's share of it (the evaluator's cost per candidate is flat by
 * construction, so what grows is the strategy and the study loop). Target (issue #18): flat, or logarithmic, in
 * the number of candidates seen.
 *
 *   npm run bench -- --only study-cost [--full]
 *   HWNAS_COST_STRATEGIES=roofline npm run bench -- --only study-cost
 *
 * The machine is shared: compare the windows of one run with each other (ratios), not absolute times across runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseObjectives } from '../core/objectives.js';
import { llmHybridSpace } from '../core/spaces/llm-hybrid.js';
import { PAPER_WORKLOAD } from '../core/workload.js';
import { getDevice } from '../hardware/devices.js';
import { createAnalyticEvaluator, DEFAULT_PRECISION_LOSS, DEFAULT_TRAINING_TOKENS, type AnalyticSpec } from '../search/evaluate/analytic.js';
import type { Evaluator } from '../search/evaluate/evaluator.js';
import { getStrategy } from '../search/strategies/index.js';
import { SqliteStore } from '../search/store/index.js';
import { runStudy } from '../search/study.js';
import type { BenchResult } from './types.js';

const FULL = process.env.HWNAS_BENCH_FULL === '1';
const space = llmHybridSpace;
const spec: AnalyticSpec = { kind: 'analytic', device: getDevice('jetson-agx-orin'), workload: PAPER_WORKLOAD, mode: 'roofline', law: 'codesign', trainingTokens: DEFAULT_TRAINING_TOKENS, precisionLoss: DEFAULT_PRECISION_LOSS };
const WINDOW = 1000;

/** The analytic evaluator, with the wall time spent inside it counted. */
function metered(inner: Evaluator): Evaluator & { ms: number } {
  const out = {
    id: inner.id,
    ms: 0,
    async evaluate(archs: Parameters<Evaluator['evaluate']>[0]) {
      const t0 = performance.now();
      try {
        return await inner.evaluate(archs);
      } finally {
        out.ms += performance.now() - t0;
      }
    },
  };
  return out;
}

/** Wall ms per distinct candidate (and the evaluator's ms) in the windows of WINDOW candidates ending at `marks`. */
async function study(strategy: string, marks: readonly number[], dir: string): Promise<{ at: number; msPerCandidate: number; evalMsPerCandidate: number }[]> {
  const store = SqliteStore.open(join(dir, `${strategy}.db`));
  const objectives = parseObjectives('loss,latency');
  const record = store.createStudy({ name: strategy, config: {}, seed: 1, space: space.id, device: 'jetson-agx-orin', objectives: ['min:loss', 'min:latencyMs'], constraints: [], strategy, hwnasVersion: 'bench', evaluator: spec });
  const evaluator = metered(createAnalyticEvaluator(spec));
  // (evaluations, wall ms, evaluator ms) after every generation.
  const trace: [number, number, number][] = [[0, 0, 0]];
  const t0 = performance.now();
  await runStudy({
    store,
    study: record,
    space,
    strategy: getStrategy(strategy),
    objectives,
    constraints: [],
    evaluator,
    budget: { evaluations: marks[marks.length - 1] },
    batchSize: 64,
    onEvent: (e) => {
      if (e.type === 'generation') trace.push([e.evaluations, performance.now() - t0, evaluator.ms]);
    },
  });
  store.close();
  return marks.map((at) => {
    const end = trace.find(([n]) => n >= at)!;
    const start = [...trace].reverse().find(([n]) => n <= at - WINDOW)!;
    const n = end[0] - start[0];
    return { at, msPerCandidate: (end[1] - start[1]) / n, evalMsPerCandidate: (end[2] - start[2]) / n };
  });
}

export async function run(): Promise<BenchResult[]> {
  const marks = FULL ? [2000, 20000, 200000] : [2000, 20000];
  const dir = mkdtempSync(join(tmpdir(), 'hwnas-cost-bench-'));
  const out: BenchResult[] = [];
  try {
    for (const strategy of (process.env.HWNAS_COST_STRATEGIES ?? 'roofline,nsga2,tpe').split(',')) {
      for (const w of await study(strategy, marks, dir)) {
        out.push({ name: `${strategy} study on llm-hybrid: wall time per distinct candidate, ${WINDOW} before ${w.at}`, value: w.msPerCandidate, unit: 'ms' });
        out.push({ name: `${strategy} study on llm-hybrid: of which the evaluator, ${WINDOW} before ${w.at}`, value: w.evalMsPerCandidate, unit: 'ms' });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
