/**
 * Accuracy of latency prediction on THIS machine (a device no predictor was trained on), against real
 * TensorFlow.js measurements:
 *   node --import tsx experiments/local-accuracy/run.ts [--llm 50] [--cells 50] [--refit 10] [--iterations 100]
 *        [--predictor <dir>] [--seed 0] [--runs 5] [--passes 2] [--out DIR]
 * Measures `--llm` random decoder stacks of the llm-local space (plus `--refit` more, used only to refine the
 * calibration) and `--cells` random NAS-Bench-201 cells (plus HELP's 10 reference cells, the adaptation samples),
 * then scores, per set: (a) the uncalibrated roofline (this CPU's spec sheet with the built-in CPU efficiencies),
 * (b) the roofline calibrated on micro-benchmarks, (b+) the same refined on 10 measured networks of the space
 * (held out from the scored set), (c) the HELP-style predictor adapted from 10 measurements (nb201 only).
 * Spearman ρ, MAPE and the share within ±10%.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { LlmArchitecture, Nb201Architecture } from '../../core/architecture.js';
import { lowerNb201 } from '../../core/lower-cnn.js';
import { createRng } from '../../core/rng.js';
import type { Genes } from '../../core/space.js';
import { formatNb201ArchStr, nb201Space } from '../../core/spaces/nb201.js';
import type { DeviceProfile } from '../../hardware/device.js';
import { getDevice } from '../../hardware/devices.js';
import { calibrateFromMicro, fitScaleToNetworks, fitToNetworks, localSpecProfile, ratesOf, type FitSample } from '../../hardware/measure/calibrate.js';
import { llmLocalSpace, LOCAL_WORKLOAD } from '../../core/spaces/llm-local.js';
import { matmulQuietGate, measureInPasses, type PassRow } from '../../hardware/measure/passes.js';
import { DEFAULT_MICRO_PLAN, runMicroBenchmarks } from '../../hardware/measure/micro.js';
import { describeMachine, machineInfo, type TimingOptions } from '../../hardware/measure/timer.js';
import { analyzeForward, analyzeLlm } from '../../hardware/roofline.js';
import { describeBackend, initTf } from '../../hardware/tf-backend.js';
import { loadHelpLatencyTable, loadHelpMeta, rowsOfIndices, shippedHelpTableFile, SHIPPED_HELP_META_FILE } from '../../predictors/latency/data.js';
import { ROOFLINE_REFERENCE_DEVICE } from '../../predictors/latency/encode.js';
import { loadModel } from '../../predictors/latency/io.js';
import { computeRoofline, featurize, prepareFeatures } from '../../predictors/latency/features.js';
import { metaTrain } from '../../predictors/latency/meta-train.js';
import { adapt, predictMs, type HelpModel } from '../../predictors/latency/model.js';
import { ruleFor } from '../../predictors/latency/selection.js';
import { mape, spearman, withinShare } from '../../predictors/latency/stats.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    llm: { type: 'string', default: '50' },
    cells: { type: 'string', default: '50' },
    refit: { type: 'string', default: '10' },
    iterations: { type: 'string', default: '100' },
    ensemble: { type: 'string', default: '3' },
    predictor: { type: 'string' },
    seed: { type: 'string', default: '0' },
    runs: { type: 'string', default: '5' },
    passes: { type: 'string', default: '2' },
    'cell-passes': { type: 'string', default: '3' },
    'min-round-ms': { type: 'string', default: '200' },
    out: { type: 'string', default: join(here, 'results') },
  },
});
const nLlm = Number(values.llm);
const nCells = Number(values.cells);
const nRefit = Number(values.refit);
const seed = Number(values.seed);
const passes = Number(values.passes);
const cellPasses = Number(values['cell-passes']);
// A round runs at least `runs` times and at least min-round-ms of work: small stacks get more runs.
const timing: Partial<TimingOptions> = { warmup: 1, runs: Number(values.runs), maxSpread: 0.1, maxRounds: 3, minRoundMs: Number(values['min-round-ms']) };
const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;

const backend = await initTf();
const machine = machineInfo(backend);
console.log(describeBackend(backend));
console.log(`machine: ${describeMachine(machine)}`);

// 1. The HELP-style predictor: trained on HELP's source devices (or loaded), adapted below to this machine. An
// ensemble of meta-training seeds (their adapted predictions averaged in log space) steadies the ranking: one
// meta-trained network's adaptation from 10 samples moves with its seed.
const models: HelpModel[] = [];
if (values.predictor) models.push(loadModel(values.predictor));
else {
  const table = loadHelpLatencyTable(shippedHelpTableFile('nb201'), 'nb201');
  const meta = loadHelpMeta(SHIPPED_HELP_META_FILE, 'nb201');
  const ref = rowsOfIndices(table, meta.referenceIndices);
  const features = prepareFeatures(table, getDevice(ROOFLINE_REFERENCE_DEVICE), { referenceRows: ref, lutDevices: meta.split.metaTrain });
  for (let e = 0; e < Math.max(1, Number(values.ensemble)); e++) {
    models.push(metaTrain({ table, features, referenceRows: ref, trainDevices: meta.split.metaTrain, validDevices: meta.split.metaValid, rooflineDevice: ROOFLINE_REFERENCE_DEVICE, config: { seed: seed + e, iterations: Number(values.iterations), validArchs: 300 } }));
  }
}
const model = models[0];
console.log(`[${elapsed()}] HELP predictor ready (${models.length} × ${model.meta.training.iterations} iterations)`);

// 2. Calibration on micro-benchmarks.
const spec = localSpecProfile('local-spec');
const micro = await runMicroBenchmarks(DEFAULT_MICRO_PLAN, timing);
const calibrated = calibrateFromMicro(spec, micro, machine, { id: 'local' });
console.log(`[${elapsed()}] calibrated: ${JSON.stringify(ratesOf(calibrated))}`);

// 3. Measurements, one at a time.
const rng = createRng(seed);
const weights = createRng(`${seed}-weights`);
type Row = PassRow<LlmArchitecture | Nb201Architecture>;
// Quiet check before each measurement (hardware/measure/passes.ts): a fixed matmul probe.
const gate = matmulQuietGate(backend);
let quietWaitMs = 0;
const measureAll = <A extends LlmArchitecture | Nb201Architecture>(label: string, archs: { key: string; arch: A }[], nPasses: number) =>
  measureInPasses(archs, {
    passes: nPasses,
    gate,
    weights,
    timing,
    backend,
    workload: (arch) => (arch.family === 'llm' ? LOCAL_WORKLOAD : { batch: 1, promptTokens: 0, generatedTokens: 0 }),
    onQuiet: (q) => (quietWaitMs += q.waitedMs),
    onProgress: (pass, done) => console.log(`[${elapsed()}] ${label} pass ${pass + 1}/${nPasses}: ${done}/${archs.length}`),
  });
const llmGenes = Array.from({ length: nRefit + nLlm }, () => llmLocalSpace.sample(rng));
const llmRows = await measureAll('llm-local', llmGenes.map((g) => ({ key: llmLocalSpace.decode(g).name ?? llmLocalSpace.key(g), arch: llmLocalSpace.decode(g) })), passes);
const refGenes: Genes[] = model.meta.referenceGenes.map((g) => g.slice());
const cellGenes = Array.from({ length: nCells }, () => nb201Space.sample(rng));
const cellRows = await measureAll('nb201', [...refGenes, ...cellGenes].map((g) => ({ key: formatNb201ArchStr(g), arch: nb201Space.decode(g) })), cellPasses);

// 4. Predictions.
const llmPredict = (arch: LlmArchitecture, p: DeviceProfile) => analyzeLlm(arch, LOCAL_WORKLOAD, p, { skipOpReports: true }).totalLatencyMs;
const cellPredict = (arch: Nb201Architecture, p: DeviceProfile) => analyzeForward(lowerNb201(arch).ops, p, 'fp32').latencyMs;
const llmRefit = llmRows.slice(0, nRefit);
const llmTest = llmRows.slice(nRefit);
const llmSamples = llmRefit.map((r): FitSample => ({ measuredMs: r.measured.latencyMs, predictMs: (p) => llmPredict(r.arch, p) }));
const llmRefined = fitToNetworks(calibrated, llmSamples);
const llmScaled = fitScaleToNetworks(calibrated, llmSamples);
const cellRef = cellRows.slice(0, refGenes.length);
const cellTest = cellRows.slice(refGenes.length);
const cellSamples = cellRef.map((r): FitSample => ({ measuredMs: r.measured.latencyMs, predictMs: (p) => cellPredict(r.arch, p) }));
const cellRefined = fitToNetworks(calibrated, cellSamples);
const cellScaled = fitScaleToNetworks(calibrated, cellSamples);

const referenceLatencyMs = cellRef.map((r) => r.measured.latencyMs);
const perModel = models.map((m) => {
  const f = (genes: readonly Genes[]) => featurize('nb201', genes, computeRoofline('nb201', genes, getDevice(m.meta.rooflineDevice)), m.meta.featureStats, m.meta.sourceLuts);
  return predictMs(adapt(m, { device: 'local', referenceLatencyMs, x: f(refGenes), latencyMs: referenceLatencyMs }), f(cellGenes));
});
const helpPred = cellGenes.map((_, i) => Math.exp(perModel.reduce((s, p) => s + Math.log(p[i]), 0) / perModel.length));
const helpSingle = perModel.map((p) => spearman(p, cellTest.map((r) => r.measured.latencyMs)));

interface Score {
  readonly set: string;
  readonly method: string;
  readonly n: number;
  readonly spearman: number;
  readonly mapePct: number;
  readonly within10: number;
}
const scores: Score[] = [];
function score(set: string, method: string, predicted: ArrayLike<number>, actual: ArrayLike<number>) {
  scores.push({ set, method, n: actual.length, spearman: spearman(predicted, actual), mapePct: mape(predicted, actual), within10: withinShare(predicted, actual, 0.1) });
}
const llmActual = llmTest.map((r) => r.measured.latencyMs);
score('llm-local', '(a) uncalibrated roofline (spec sheet)', llmTest.map((r) => llmPredict(r.arch, spec)), llmActual);
score('llm-local', '(b) calibrated roofline (micro-benchmarks)', llmTest.map((r) => llmPredict(r.arch, calibrated)), llmActual);
score('llm-local', `(b+) calibrated + three rates refined on ${nRefit} measured stacks`, llmTest.map((r) => llmPredict(r.arch, llmRefined)), llmActual);
score('llm-local', `(b+s) calibrated + one time scale fitted on ${nRefit} measured stacks`, llmTest.map((r) => llmPredict(r.arch, llmScaled)), llmActual);
const cellActual = cellTest.map((r) => r.measured.latencyMs);
score('nb201', '(a) uncalibrated roofline (spec sheet)', cellTest.map((r) => cellPredict(r.arch, spec)), cellActual);
score('nb201', '(b) calibrated roofline (micro-benchmarks)', cellTest.map((r) => cellPredict(r.arch, calibrated)), cellActual);
score('nb201', `(b+) calibrated + three rates refined on the ${refGenes.length} reference cells`, cellTest.map((r) => cellPredict(r.arch, cellRefined)), cellActual);
score('nb201', `(b+s) calibrated + one time scale fitted on the ${refGenes.length} reference cells`, cellTest.map((r) => cellPredict(r.arch, cellScaled)), cellActual);
score('nb201', `(c) HELP-style predictor adapted from the ${refGenes.length} reference cells${models.length > 1 ? ` (ensemble of ${models.length} meta-training seeds)` : ''}`, helpPred, cellActual);

// 5. Report.
const stability = (rows: Row[]) => {
  const spreads = rows.map((r) => r.measured.timing.spread).sort((a, b) => a - b);
  // Between passes: each architecture's largest pass figure over its kept (lowest) one.
  const between = rows.map((r) => Math.max(...r.passesMs) / Math.min(...r.passesMs) - 1).sort((a, b) => a - b);
  return {
    stable: rows.filter((r) => r.measured.timing.stable).length / rows.length,
    medianSpread: spreads[spreads.length >> 1],
    remeasured: rows.filter((r) => r.measured.timing.rounds > 1).length / rows.length,
    medianBetween: between[between.length >> 1],
    quiet: rows.filter((r) => r.quiet.slowdown <= 1.15).length / rows.length,
  };
};
const rates = (p: DeviceProfile) => {
  const r = ratesOf(p);
  const extra = [
    r.decodeFlopsPerS !== undefined ? `decode matmuls ${(r.decodeFlopsPerS / 1e9).toFixed(2)} GFLOP/s` : '',
    r.attentionFlopsPerS !== undefined ? `attention ${(r.attentionFlopsPerS / 1e9).toFixed(2)} GFLOP/s` : '',
    r.singleBatchAttentionFlopsPerS !== undefined ? `one-KV-head attention ${(r.singleBatchAttentionFlopsPerS / 1e9).toFixed(2)} GFLOP/s` : '',
    r.elementwiseBytesPerS !== undefined ? `element-wise ${(r.elementwiseBytesPerS / 1e9).toFixed(1)} GB/s` : '',
    p.runtime?.kernelsPerOp ? 'TensorFlow.js kernels per operator' : '',
  ].filter(Boolean);
  return `${(r.flopsPerS / 1e9).toFixed(2)} GFLOP/s, ${(r.bytesPerS / 1e9).toFixed(2)} GB/s, ${(r.opOverheadS * 1e6).toFixed(1)} µs/${p.runtime?.kernelsPerOp ? 'kernel' : 'op'}${extra.length ? ` (${extra.join(', ')})` : ''}`;
};
const lines: string[] = ['# Latency prediction on this machine (measured with TensorFlow.js)', ''];
lines.push(`Machine: ${describeMachine(machine)}. Shared with other work while measured (load varies).`);
lines.push(`Clock: ${llmRows[0]?.measured.timing.clock ?? 'n/a'} (process CPU time when the backend computes on this thread; wall medians are kept in the CSVs).`);
lines.push(`Timing: warm-up ${timing.warmup}, ${timing.runs} runs per round and at least ${timing.minRoundMs} ms of runs (at most 50), a round re-taken when its IQR/median > ${timing.maxSpread}, at most ${timing.maxRounds} rounds, the quietest round's median kept; ${passes} pass(es) over the LLM stacks and ${cellPasses} over the cells in alternating orders, the lowest figure of an architecture kept; a quiet check (a fixed matmul probe within 15% of its best, else wait 200 ms, up to 3 probes) before every measurement (${(quietWaitMs / 1000).toFixed(0)} s waited in all).`);
lines.push(`LLM workload: batch 1, prompt ${LOCAL_WORKLOAD.promptTokens} tokens, ${LOCAL_WORKLOAD.generatedTokens} generated (prefill + every decode step, KV cache, greedy read-back per step). NAS-Bench-201: one CIFAR forward pass, batch 1.`, '');
lines.push('Profiles (attainable FLOP/s, bandwidth, per-operator overhead):');
lines.push(`- (a) ${spec.name}: ${rates(spec)} — ${spec.source}`);
lines.push(`- (b) calibrated on micro-benchmarks: ${rates(calibrated)}`);
lines.push(`- (b+) llm-local refit: ${rates(llmRefined)}; nb201 refit: ${rates(cellRefined)}`);
const scaleOf = (p: DeviceProfile) => ((p as DeviceProfile & { calibration?: { networkFit?: { timeScale?: number } } }).calibration?.networkFit?.timeScale ?? Number.NaN).toFixed(3);
lines.push(`- (b+s) time scale: llm-local ×${scaleOf(llmScaled)}, nb201 ×${scaleOf(cellScaled)}`, '');
lines.push('| set | method | n | Spearman ρ | MAPE % | within ±10% |', '|---|---|---|---|---|---|');
for (const s of scores) lines.push(`| ${s.set} | ${s.method} | ${s.n} | ${s.spearman.toFixed(3)} | ${s.mapePct.toFixed(1)} | ${(100 * s.within10).toFixed(0)}% |`);
const sl = stability(llmRows);
const sc = stability(cellRows);
lines.push('', `Stability (share of kept figures within the spread limit / median spread within a round / share re-measured / median gap between an architecture's passes / share measured after a quiet check passed): llm-local ${(100 * sl.stable).toFixed(0)}% / ${(100 * sl.medianSpread).toFixed(1)}% / ${(100 * sl.remeasured).toFixed(0)}% / ${(100 * sl.medianBetween).toFixed(1)}% / ${(100 * sl.quiet).toFixed(0)}%; nb201 ${(100 * sc.stable).toFixed(0)}% / ${(100 * sc.medianSpread).toFixed(1)}% / ${(100 * sc.remeasured).toFixed(0)}% / ${(100 * sc.medianBetween).toFixed(1)}% / ${(100 * sc.quiet).toFixed(0)}%.`);
lines.push(`HELP predictor: ${values.predictor ? `loaded from ${values.predictor}` : `meta-trained here on HELP's meta-train devices, ${models.length} seed(s) × ${model.meta.training.iterations} iterations (${models.reduce((s, m) => s + m.meta.training.wallS, 0).toFixed(0)} s)`}; each adapted with the 10 reference cells measured here by the method its rule picks for 10 measurements (${models.map((m) => ruleFor(m.meta.rule, 10).method).join(', ')}), predictions averaged in log space; Spearman ρ of each seed alone: ${helpSingle.map((r) => r.toFixed(3)).join(', ')}.`);
lines.push(`Wall time: ${elapsed()}.`);
mkdirSync(values.out!, { recursive: true });
const csv = (rows: Row[], predicted: Record<string, (i: number) => number>) =>
  ['key,measured_ms,clock,wall_ms,spread,rounds,runs,stable,passes_ms,quiet_slowdown,' + Object.keys(predicted).join(','), ...rows.map((r, i) => [JSON.stringify(r.key), r.measured.latencyMs.toFixed(4), r.measured.timing.clock, r.measured.timing.wallMedianMs.toFixed(4), r.measured.timing.spread.toFixed(4), r.measured.timing.rounds, r.measured.timing.runs, r.measured.timing.stable ? 1 : 0, r.passesMs.map((v) => v.toFixed(3)).join(' '), r.quiet.slowdown.toFixed(3), ...Object.values(predicted).map((f) => f(i).toFixed(4))].join(','))].join('\n') + '\n';
writeFileSync(join(values.out!, 'llm-local.csv'), csv(llmRows, { uncalibrated_ms: (i) => llmPredict(llmRows[i].arch, spec), calibrated_ms: (i) => llmPredict(llmRows[i].arch, calibrated), refined_ms: (i) => llmPredict(llmRows[i].arch, llmRefined), scaled_ms: (i) => llmPredict(llmRows[i].arch, llmScaled) }));
writeFileSync(join(values.out!, 'nb201.csv'), csv(cellRows, { uncalibrated_ms: (i) => cellPredict(cellRows[i].arch, spec), calibrated_ms: (i) => cellPredict(cellRows[i].arch, calibrated), refined_ms: (i) => cellPredict(cellRows[i].arch, cellRefined), scaled_ms: (i) => cellPredict(cellRows[i].arch, cellScaled), help_ms: (i) => (i < refGenes.length ? Number.NaN : helpPred[i - refGenes.length]) }));
writeFileSync(join(values.out!, 'device.json'), JSON.stringify(calibrated, null, 2) + '\n');
writeFileSync(join(values.out!, 'local-accuracy.md'), lines.join('\n') + '\n');
writeFileSync(join(values.out!, 'local-accuracy.json'), JSON.stringify({ machine, timing, scores, profiles: { spec, calibrated, llmRefined, llmScaled, cellRefined, cellScaled } }, null, 1));
console.log(lines.join('\n'));
