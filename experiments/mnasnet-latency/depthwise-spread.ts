/**
 * How much the calibrated depthwise rate moves from one calibration to the next on this machine: the compute part
 * of `hwnas calibrate`'s default plan (its matmuls and depthwise convolutions, with the read-back and per-kernel
 * cost they are corrected by), run N times in a row with calibrate's default timing, through the same code
 * (runMicroBenchmarks, attainedRates). Prints each calibration's depthwise and matmul rates and their ratio (what
 * the ranking of depthwise-heavy networks hangs on), then min/median/max and max/min of each:
 *   nice -n 10 node --import tsx experiments/mnasnet-latency/depthwise-spread.ts [calibrations, default 8]
 */
import { attainedRates } from '../../hardware/measure/calibrate.js';
import { DEFAULT_MICRO_PLAN, runMicroBenchmarks, type MicroPlan } from '../../hardware/measure/micro.js';
import type { TimingOptions } from '../../hardware/measure/timer.js';

const n = Number(process.argv[2] ?? 8);
const timing: Partial<TimingOptions> = { warmup: 2, runs: 7, maxSpread: 0.1, maxRounds: 4 }; // calibrate's defaults
const plan: MicroPlan = {
  ...DEFAULT_MICRO_PLAN,
  matvecs: [],
  gemvs: [],
  attention: [],
  smallElementwise: [],
  elementwise: [],
  decoderProbeLayers: 0,
};
const rows: { dw: number; mm: number; s: number }[] = [];
for (let i = 0; i < n; i++) {
  const t0 = performance.now();
  const micro = await runMicroBenchmarks(plan, timing);
  const s = (performance.now() - t0) / 1e3;
  const dwS = micro.filter((m) => m.kind === 'depthwise').reduce((a, m) => a + m.timing.roundMediansMs.length, 0);
  const r = attainedRates([...micro, { name: 'x', kind: 'matvec', flops: 0, bytes: 1, ops: 1, timing: micro[0].timing, flopsPerS: 0, bytesPerS: 1 }]);
  rows.push({ dw: r.depthwiseFlopsPerS ?? NaN, mm: r.flopsPerS, s });
  console.log(`calibration ${i + 1}: depthwise ${(r.depthwiseFlopsPerS! / 1e9).toFixed(2)} GFLOP/s, matmul ${(r.flopsPerS / 1e9).toFixed(2)} GFLOP/s, ratio ${(r.depthwiseFlopsPerS! / r.flopsPerS).toFixed(3)} (${s.toFixed(1)} s, ${dwS} depthwise rounds)`);
}
const stat = (name: string, v: number[], unit: number, digits: number) => {
  const s = v.slice().sort((a, b) => a - b);
  console.log(`${name}: min ${(s[0] / unit).toFixed(digits)}, median ${(s[s.length >> 1] / unit).toFixed(digits)}, max ${(s[s.length - 1] / unit).toFixed(digits)}, max/min ${(s[s.length - 1] / s[0]).toFixed(2)}`);
};
stat('depthwise GFLOP/s', rows.map((r) => r.dw), 1e9, 2);
stat('matmul GFLOP/s', rows.map((r) => r.mm), 1e9, 2);
stat('depthwise/matmul', rows.map((r) => r.dw / r.mm), 1, 3);
stat('seconds per calibration', rows.map((r) => r.s), 1, 1);
