/**
 * MnasNet's space on THIS machine (TensorFlow.js): measured latency of MobileNetV2 and MnasNet-A1, and how well the
 * roofline predicts 30 sampled networks of the space:
 *   nice -n 10 node --import tsx experiments/mnasnet-latency/run.ts [--sample 30] [--refit 10] [--passes 2] [--seed 0]
 * The measurement protocol is hwnas measure's (hardware/measure: warm-up 2, 7 runs per round, a round re-taken when
 * its IQR/median > 0.1, at most 4 rounds) in passes with a quiet check (hardware/measure/passes.ts, as
 * experiments/local-accuracy measures); the calibration is hwnas calibrate's (micro-benchmarks → calibrated
 * profile), refined as in local-accuracy on `--refit` more networks held out from the scored ones.
 * Scores: (a) the spec-sheet roofline, (b) calibrated without the depthwise rate (every convolution at the matmul
 * rate), (b+) three rates refined, (b+s) one time scale fitted; (c), (c+), (c+s) the same with the calibrated
 * depthwise-convolution rate (runtime extension depthwiseConvEfficiency). The calibrated profile is written to
 * results/device.json (profile-kernels.ts reads it).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { MnasnetArchitecture } from '../../core/architecture.js';
import { convMacs, lowerMnasnet } from '../../core/lower-cnn.js';
import { createRng } from '../../core/rng.js';
import { MNASNET_PRESETS, mnasnetSpace } from '../../core/spaces/mnasnet.js';
import type { DeviceProfile } from '../../hardware/device.js';
import { calibrateFromMicro, fitScaleToNetworks, fitToNetworks, localSpecProfile, ratesOf, type FitSample } from '../../hardware/measure/calibrate.js';
import { DEFAULT_MICRO_PLAN, runMicroBenchmarks } from '../../hardware/measure/micro.js';
import { matmulQuietGate, measureInPasses, type PassRow } from '../../hardware/measure/passes.js';
import { describeMachine, machineInfo, type TimingOptions } from '../../hardware/measure/timer.js';
import { analyzeForward } from '../../hardware/roofline.js';
import { describeBackend, initTf } from '../../hardware/tf-backend.js';
import { mape, spearman, withinShare } from '../../predictors/latency/stats.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    sample: { type: 'string', default: '30' },
    refit: { type: 'string', default: '10' },
    passes: { type: 'string', default: '2' },
    seed: { type: 'string', default: '0' },
    out: { type: 'string', default: join(here, 'results') },
  },
});
const nSample = Number(values.sample);
const nRefit = Number(values.refit);
const passes = Number(values.passes);
const seed = Number(values.seed);
// hwnas measure's defaults (cli/commands/measure.ts).
const timing: Partial<TimingOptions> = { warmup: 2, runs: 7, maxSpread: 0.1, maxRounds: 4 };
const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;

const backend = await initTf();
const machine = machineInfo(backend);
console.log(describeBackend(backend));
console.log(`machine: ${describeMachine(machine)}`);

// 1. Calibration, as hwnas calibrate does it.
const spec = localSpecProfile('local-spec');
const micro = await runMicroBenchmarks(DEFAULT_MICRO_PLAN, timing);
const calibratedDw = calibrateFromMicro(spec, micro, machine, { id: 'local' });
// The same profile without the depthwise rate: what the roofline did before it (every convolution at one rate).
const { depthwiseConvEfficiency: _dw, ...runtimeWithout } = calibratedDw.runtime ?? {};
const calibrated: DeviceProfile = { ...calibratedDw, runtime: runtimeWithout };
console.log(`[${elapsed()}] calibrated: ${JSON.stringify(ratesOf(calibratedDw))}`);

// 2. The presets, `--refit` held-out networks, then the `--sample` scored ones: measured in passes.
const rng = createRng(seed);
const presets = Object.entries(MNASNET_PRESETS).map(([key, arch]) => ({ key, arch }));
const sampled = Array.from({ length: nRefit + nSample }, () => {
  const g = mnasnetSpace.sample(rng);
  return { key: mnasnetSpace.key(g), arch: mnasnetSpace.decode(g) };
});
let quietWaitMs = 0;
const rows = await measureInPasses<MnasnetArchitecture>([...presets, ...sampled], {
  passes,
  gate: matmulQuietGate(backend),
  weights: createRng(`${seed}-weights`),
  timing,
  backend,
  workload: () => ({ batch: 1, promptTokens: 0, generatedTokens: 0 }),
  onQuiet: (q) => (quietWaitMs += q.waitedMs),
  onProgress: (pass, done) => console.log(`[${elapsed()}] pass ${pass + 1}/${passes}: ${done}/${presets.length + sampled.length}`),
});
const presetRows = rows.slice(0, presets.length);
const refitRows = rows.slice(presets.length, presets.length + nRefit);
const scoredRows = rows.slice(presets.length + nRefit);

// 3. Predictions.
const predict = (arch: MnasnetArchitecture, p: DeviceProfile) => analyzeForward(lowerMnasnet(arch).ops, p, 'fp32').latencyMs;
const samples = refitRows.map((r): FitSample => ({ measuredMs: r.measured.latencyMs, predictMs: (p) => predict(r.arch, p) }));
const refined = fitToNetworks(calibrated, samples);
const scaled = fitScaleToNetworks(calibrated, samples);
const refinedDw = fitToNetworks(calibratedDw, samples);
const scaledDw = fitScaleToNetworks(calibratedDw, samples);
const profiles: [string, DeviceProfile][] = [
  ['(a) uncalibrated roofline (spec sheet)', spec],
  ['(b) calibrated roofline (micro-benchmarks), no depthwise rate', calibrated],
  [`(b+) (b) + three rates refined on ${nRefit} measured networks`, refined],
  [`(b+s) (b) + one time scale fitted on ${nRefit} measured networks`, scaled],
  ['(c) calibrated roofline with the depthwise rate', calibratedDw],
  [`(c+) (c) + three rates refined on ${nRefit} measured networks`, refinedDw],
  [`(c+s) (c) + one time scale fitted on ${nRefit} measured networks`, scaledDw],
];
const COLUMNS = ['uncalibrated_ms', 'calibrated_ms', 'refined_ms', 'scaled_ms', 'dw_calibrated_ms', 'dw_refined_ms', 'dw_scaled_ms'];
const actual = scoredRows.map((r) => r.measured.latencyMs);
const scores = profiles.map(([method, p]) => {
  const predicted = scoredRows.map((r) => predict(r.arch, p));
  return { method, n: actual.length, spearman: spearman(predicted, actual), mapePct: mape(predicted, actual), within10: withinShare(predicted, actual, 0.1) };
});
const macsOf = (arch: MnasnetArchitecture) => convMacs(lowerMnasnet(arch).ops);
// MACs alone, for comparison: how well does the count rank the measured latencies?
const macsSpearman = spearman(scoredRows.map((r) => macsOf(r.arch)), actual);
// How much the ranking hangs on the measured depthwise rate (which other work on the machine moves; README).
const dwRate = ratesOf(calibratedDw).depthwiseFlopsPerS ?? NaN;
const sensitivity = [0.5, 0.75, 1, 1.5, 2].map((factor) => {
  const p: DeviceProfile = { ...calibratedDw, runtime: { ...calibratedDw.runtime, depthwiseConvEfficiency: Math.min(1, calibratedDw.runtime!.depthwiseConvEfficiency! * factor) } };
  const predicted = scoredRows.map((r) => predict(r.arch, p));
  return { factor, depthwiseFlopsPerS: dwRate * factor, spearman: spearman(predicted, actual), mapePct: mape(predicted, actual) };
});
// Each depthwise micro-benchmark's rate, and the depthwise share of MnasNet-A1's predicted time.
const dwMicro = micro.filter((m) => m.kind === 'depthwise');
const a1 = presetRows.find((r) => r.key === 'mnasnet-a1');
const dwShare = (p: DeviceProfile) => {
  if (!a1) return NaN;
  const ops = lowerMnasnet(a1.arch).ops;
  const f = analyzeForward(ops, p, 'fp32');
  return f.ops.reduce((s, o, i) => s + (ops[i].depthwise ? o.latencyMs : 0), 0) / f.latencyMs;
};

// 4. Report.
const rates = (p: DeviceProfile) => {
  const r = ratesOf(p);
  return `${(r.flopsPerS / 1e9).toFixed(2)} GFLOP/s, ${(r.bytesPerS / 1e9).toFixed(2)} GB/s, ${(r.opOverheadS * 1e6).toFixed(1)} µs/${p.runtime?.kernelsPerOp ? 'kernel' : 'op'}${r.depthwiseFlopsPerS !== undefined ? `; depthwise ${(r.depthwiseFlopsPerS / 1e9).toFixed(2)} GFLOP/s` : ''}`;
};
const between = (rs: readonly PassRow<MnasnetArchitecture>[]) => {
  const gaps = rs.map((r) => Math.max(...r.passesMs) / Math.min(...r.passesMs) - 1).sort((a, b) => a - b);
  return gaps[gaps.length >> 1];
};
const lines: string[] = ['# MnasNet space on this machine (TensorFlow.js)', ''];
lines.push(`Machine: ${describeMachine(machine)}. Shared with other work while measured (load varies).`);
lines.push(`Timing: hwnas measure's (warm-up ${timing.warmup}, ${timing.runs} runs per round, a round re-taken when its IQR/median > ${timing.maxSpread}, at most ${timing.maxRounds} rounds, the quietest round's median) on the ${presetRows[0]?.measured.timing.clock ?? 'n/a'} clock; ${passes} passes in alternating orders, the lowest figure of a network kept; a quiet check before every measurement (${(quietWaitMs / 1000).toFixed(0)} s waited). One 224×224 image, fp32, random weights, BN folded.`, '');
lines.push('| network | MACs | parameters | measured ms | (b) predicted ms | (b+s) predicted ms | (c) predicted ms | (c+s) predicted ms | passes ms |', '|---|---|---|---|---|---|---|---|---|');
for (const r of presetRows) {
  const l = lowerMnasnet(r.arch);
  lines.push(`| ${r.arch.name ?? r.key} | ${(convMacs(l.ops) / 1e6).toFixed(2)}M | ${(l.params / 1e6).toFixed(3)}M | ${r.measured.latencyMs.toFixed(1)} | ${[calibrated, scaled, calibratedDw, scaledDw].map((p) => predict(r.arch, p).toFixed(1)).join(' | ')} | ${r.passesMs.map((v) => v.toFixed(1)).join(', ')} |`);
}
lines.push('', `Roofline on ${nSample} sampled networks of the space (seed ${seed}; ${nRefit} more held out for (b+) and (b+s)):`, '');
lines.push('Profiles (attainable FLOP/s, bandwidth, per-operator overhead):');
for (const [method, p] of profiles) lines.push(`- ${method}: ${rates(p)}`);
lines.push('', '| method | n | Spearman ρ | MAPE % | within ±10% |', '|---|---|---|---|---|');
for (const s of scores) lines.push(`| ${s.method} | ${s.n} | ${s.spearman.toFixed(3)} | ${s.mapePct.toFixed(1)} | ${(100 * s.within10).toFixed(0)}% |`);
lines.push('', `MACs alone rank the scored networks at Spearman ρ ${macsSpearman.toFixed(3)}. Measured range: ${Math.min(...actual).toFixed(1)}–${Math.max(...actual).toFixed(1)} ms; median gap between a network's passes ${(100 * between(rows)).toFixed(1)}%.`);
lines.push('', `Depthwise micro-benchmarks (GFLOP/s; the rate is their FLOPs over their time): ${dwMicro.map((m) => `${m.name.replace('depthwise ', '')} ${(m.flopsPerS / 1e9).toFixed(2)}`).join(', ')}. Depthwise share of MnasNet-A1's predicted time: ${(100 * dwShare(calibrated)).toFixed(0)}% under (b), ${(100 * dwShare(calibratedDw)).toFixed(0)}% under (c).`);
lines.push('', 'Sensitivity of (c) to the depthwise rate (the same measurements; the rate × factor):', '', '| factor | depthwise GFLOP/s | Spearman ρ | MAPE % |', '|---|---|---|---|');
for (const x of sensitivity) lines.push(`| ${x.factor} | ${(x.depthwiseFlopsPerS / 1e9).toFixed(2)} | ${x.spearman.toFixed(3)} | ${x.mapePct.toFixed(1)} |`);
lines.push(`Wall time: ${elapsed()}.`);
mkdirSync(values.out!, { recursive: true });
const csv = ['set,key,macs,params,measured_ms,clock,spread,rounds,stable,passes_ms,' + COLUMNS.join(',')];
const setOf = (i: number) => (i < presetRows.length ? 'preset' : i < presetRows.length + nRefit ? 'refit' : 'scored');
rows.forEach((r, i) => {
  const l = lowerMnasnet(r.arch);
  csv.push([setOf(i), JSON.stringify(r.key), convMacs(l.ops), l.params, r.measured.latencyMs.toFixed(4), r.measured.timing.clock, r.measured.timing.spread.toFixed(4), r.measured.timing.rounds, r.measured.timing.stable ? 1 : 0, r.passesMs.map((v) => v.toFixed(3)).join(' '), ...profiles.map(([, p]) => predict(r.arch, p).toFixed(4))].join(','));
});
writeFileSync(join(values.out!, 'mnasnet.csv'), csv.join('\n') + '\n');
writeFileSync(join(values.out!, 'mnasnet-latency.md'), lines.join('\n') + '\n');
writeFileSync(join(values.out!, 'device.json'), JSON.stringify(calibratedDw, null, 2) + '\n');
writeFileSync(join(values.out!, 'mnasnet-latency.json'), JSON.stringify({ machine, timing, passes, seed, scores, macsSpearman, sensitivity, depthwiseMicro: dwMicro.map((m) => ({ name: m.name, flopsPerS: m.flopsPerS, spread: m.timing.spread, rounds: m.timing.rounds })), presets: presetRows.map((r) => ({ key: r.key, measuredMs: r.measured.latencyMs, passesMs: r.passesMs })), profiles: Object.fromEntries(profiles.map(([m, p]) => [m, ratesOf(p)])) }, null, 1));
console.log(lines.join('\n'));
