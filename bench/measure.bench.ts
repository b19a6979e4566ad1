/**
 * What TensorFlow.js attains on this machine (the calibration's micro-benchmarks) and what one measurement costs:
 * attainable matmul FLOP/s, memory-bound bandwidth, per-operator overhead, and the wall time of measuring one
 * llm-local decoder stack and one NAS-Bench-201 network (timing rounds included). Wall-clock figures: on a shared
 * machine they move with its load, which the spread figures show.
 */
import { createRng } from '../core/rng.js';
import { nb201Space } from '../core/spaces/nb201.js';
import { attainedRates } from '../hardware/measure/calibrate.js';
import { llmLocalSpace, LOCAL_WORKLOAD } from '../core/spaces/llm-local.js';
import { measureArchitecture } from '../hardware/measure/measure.js';
import { DEFAULT_MICRO_PLAN, runMicroBenchmarks } from '../hardware/measure/micro.js';
import { initTf } from '../hardware/tf-backend.js';
import type { BenchResult } from './types.js';

export async function run(): Promise<BenchResult[]> {
  const backend = await initTf();
  const timing = { warmup: 1, runs: 5, maxSpread: 0.1, maxRounds: 3 };
  const micro = await runMicroBenchmarks(DEFAULT_MICRO_PLAN, timing);
  const rates = attainedRates(micro);
  const rng = createRng(0);
  const wall = async (fn: () => Promise<{ timing: { spread: number } }>) => {
    const t0 = performance.now();
    const m = await fn();
    return { s: (performance.now() - t0) / 1000, spread: m.timing.spread };
  };
  const llm = await wall(() => measureArchitecture(llmLocalSpace.decode(llmLocalSpace.sample(rng)), rng, { workload: LOCAL_WORKLOAD, timing, backend }));
  const cell = await wall(() => measureArchitecture(nb201Space.decode(nb201Space.sample(rng)), rng, { workload: { batch: 1, promptTokens: 0, generatedTokens: 0 }, timing, backend }));
  const tag = `${backend.choice}, ${backend.threads || 'n/a'} thread(s)`;
  return [
    { name: `attainable matmul rate (${tag})`, value: rates.flopsPerS / 1e9, unit: 'GFLOP/s' },
    { name: `attainable memory-bound rate (${tag})`, value: rates.bytesPerS / 1e9, unit: 'GB/s' },
    { name: `per-operator overhead (${tag})`, value: rates.opOverheadS * 1e6, unit: 'µs' },
    { name: 'measure one llm-local stack (wall, all rounds)', value: llm.s, unit: 's' },
    { name: 'spread of that measurement (IQR/median)', value: llm.spread * 100, unit: '%' },
    { name: 'measure one NAS-Bench-201 network (wall, all rounds)', value: cell.s, unit: 's' },
    { name: 'spread of that measurement (IQR/median)', value: cell.spread * 100, unit: '%' },
  ];
}
