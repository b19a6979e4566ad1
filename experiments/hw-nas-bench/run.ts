/**
 * If I search with a cheap latency model, how much of the real accuracy–latency frontier do I get?
 *   node --import tsx experiments/hw-nas-bench/run.ts [--seeds 5] [--evaluations 500] [--iterations 200] [--out DIR]
 *
 * For each of HELP's six NAS-Bench-201 meta-test devices, NSGA-II searches max cifar10Accuracy vs min latency
 * (NAS-Bench-201's trained accuracies, shipped) with the latency of
 *   (a) table:     the device's measured latency (HELP's table, `--latency table`);
 *   (b) roofline:  the uncalibrated roofline on the reference profile (raspberry-pi-5) — one model for all devices;
 *   (c) predictor: the HELP-style predictor meta-trained on HELP's source devices (seed s) and adapted to the device
 *                  from its 10 reference architectures' measurements (`--latency predicted`),
 * at the same budget and seeds. Each found frontier is scored with the measured latencies: the hypervolume of its
 * (measured) non-dominated points over that of the exact frontier of all 15,625 cells, the reference point being
 * the nadir of all cells (slowest latency, lowest accuracy); and the best accuracy among its architectures whose
 * measured latency is within a budget, the device's median latency. Writes results/hw-nas-bench.{md,json}.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { hypervolume, paretoIndices } from '../../core/pareto.js';
import { nb201Space } from '../../core/spaces/nb201.js';
import { getDevice } from '../../hardware/devices.js';
import { describeBackend, initTf } from '../../hardware/tf-backend.js';
import { readTextFile, shippedDataFile } from '../../hardware/shipped-files.js';
import { loadHelpLatencyTable, loadHelpMeta, rowsOfIndices, shippedHelpTableFile, SHIPPED_HELP_META_FILE } from '../../predictors/latency/data.js';
import { ROOFLINE_REFERENCE_DEVICE } from '../../predictors/latency/encode.js';
import { saveModel } from '../../predictors/latency/io.js';
import { computeRoofline, featurize, prepareFeatures } from '../../predictors/latency/features.js';
import { metaTrain } from '../../predictors/latency/meta-train.js';
import { adapt } from '../../predictors/latency/model.js';
import { LatencyPredictorRegistry } from '../../predictors/latency/registry.js';
import { meanStd } from '../../predictors/latency/stats.js';
import { parseCsv } from '../../predictors/loss/data.js';
import { runSearch } from '../../search/run-search.js';
import type { StudyConfigInput } from '../../search/study-config.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '5' },
    evaluations: { type: 'string', default: '500' },
    iterations: { type: 'string', default: '200' },
    out: { type: 'string', default: join(here, 'results') },
  },
});
const seeds = Number(values.seeds);
const evaluations = Number(values.evaluations);
const iterations = Number(values.iterations);
const t0 = performance.now();
const backend = await initTf();
console.log(describeBackend(backend));

// The measured truth: every cell's latency on every device, and its CIFAR-10 test accuracy.
const table = loadHelpLatencyTable(shippedHelpTableFile('nb201'), 'nb201');
const meta = loadHelpMeta(SHIPPED_HELP_META_FILE, 'nb201');
const devices = meta.split.metaTest;
const rowOf = new Map(table.genes.map((g, i) => [g.join('.'), i]));
const acc = parseCsv(readTextFile(shippedDataFile('accuracy/nb201_accuracy.csv.gz')), 'nb201_accuracy');
// Both tables are in nb201_index order, row for row (data/accuracy/SOURCE.md).
const accuracy = Float64Array.from(acc.rows.map((r) => Number(r[acc.header.indexOf('cifar10_test')])));
if (accuracy.length !== table.genes.length) throw new Error('accuracy and latency tables differ in length');

/** Minimisation points (latency, −accuracy) of table rows on a device. */
const points = (device: string, rows: readonly number[]) => rows.map((r) => [table.latencyMs[device][r], -accuracy[r]]);
const all = table.genes.map((_, i) => i);
const exact: Record<string, { hv: number; reference: number[]; budgetMs: number; bestUnderBudget: number; frontierSize: number }> = {};
for (const d of devices) {
  const p = points(d, all);
  const reference = [Math.max(...p.map((x) => x[0])), Math.max(...p.map((x) => x[1]))];
  const front = paretoIndices(p).map((i) => p[i]);
  const sorted = [...table.latencyMs[d]].sort((a, b) => a - b);
  const budgetMs = sorted[Math.floor(sorted.length / 2)];
  const bestUnderBudget = Math.max(...all.filter((r) => table.latencyMs[d][r] <= budgetMs).map((r) => accuracy[r]));
  exact[d] = { hv: hypervolume(front, reference), reference, budgetMs, bestUnderBudget, frontierSize: front.length };
}

/** A found frontier scored on the measured latencies. */
function score(device: string, frontier: readonly { genes: Readonly<Record<string, string | number>> }[]) {
  const names = nb201Space.genes.map((g) => g.name);
  const rows = frontier.map((f) => rowOf.get(names.map((n, i) => nb201Space.genes[i].choices.indexOf(f.genes[n])).join('.'))!);
  const p = points(device, rows);
  const e = exact[device];
  const hvRatio = p.length === 0 ? 0 : hypervolume(paretoIndices(p).map((i) => p[i]), e.reference) / e.hv;
  const under = rows.filter((r) => table.latencyMs[device][r] <= e.budgetMs).map((r) => accuracy[r]);
  return { hvRatio, bestUnderBudget: under.length > 0 ? Math.max(...under) : Number.NaN, size: rows.length };
}

type Method = 'table' | 'roofline' | 'predictor';
const METHODS: readonly Method[] = ['table', 'roofline', 'predictor'];
const work = mkdtempSync(join(tmpdir(), 'hwnas-hw-nas-bench-'));
const results: { device: string; method: Method; seed: number; hvRatio: number; bestUnderBudget: number; frontierSize: number; evaluations: number }[] = [];
const ref = rowsOfIndices(table, meta.referenceIndices);
const features = prepareFeatures(table, getDevice(ROOFLINE_REFERENCE_DEVICE), { referenceRows: ref, lutDevices: meta.split.metaTrain });
const refGenes = ref.map((r) => table.genes[r]);
const refRoofline = computeRoofline('nb201', refGenes, getDevice(ROOFLINE_REFERENCE_DEVICE));
const timing = { metaTrainS: [] as number[], searchS: 0 };

for (let seed = 0; seed < seeds; seed++) {
  // (c): meta-trained on HELP's source devices with this seed, adapted to each meta-test device from its 10
  // reference measurements (as `hwnas predictor meta-train` then `adapt`), saved where a study reads it.
  const model = metaTrain({ table, features, referenceRows: ref, trainDevices: meta.split.metaTrain, validDevices: meta.split.metaValid, rooflineDevice: ROOFLINE_REFERENCE_DEVICE, config: { seed, iterations } });
  timing.metaTrainS.push(model.meta.training.wallS);
  const predictorDir = join(work, `predictor-${seed}`);
  saveModel(predictorDir, model);
  const x = featurize('nb201', refGenes, refRoofline, model.meta.featureStats, model.meta.sourceLuts);
  for (const d of devices) {
    const referenceLatencyMs = ref.map((r) => table.latencyMs[d][r]);
    const adapted = adapt(model, { device: d, referenceLatencyMs, x, latencyMs: Float64Array.from(referenceLatencyMs), steps: model.meta.config.innerSteps });
    new LatencyPredictorRegistry().save(predictorDir, adapted);
  }
  for (const d of devices) {
    for (const method of METHODS) {
      const base: StudyConfigInput = {
        name: `${d}-${method}-s${seed}`,
        db: ':memory:',
        space: 'nb201',
        objectives: 'max:cifar10Accuracy,latency',
        strategy: 'nsga2',
        evaluations,
        generationSize: 50,
        seed,
      };
      const config: StudyConfigInput =
        method === 'table'
          ? { ...base, latency: 'table', device: d }
          : method === 'roofline'
            ? { ...base, device: ROOFLINE_REFERENCE_DEVICE }
            : { ...base, latency: 'predicted', device: ROOFLINE_REFERENCE_DEVICE, predictor: predictorDir, predictorDevice: d };
      const s0 = performance.now();
      const found = await runSearch(config);
      timing.searchS += (performance.now() - s0) / 1000;
      const s = score(d, found.frontier);
      results.push({ device: d, method, seed, hvRatio: s.hvRatio, bestUnderBudget: s.bestUnderBudget, frontierSize: s.size, evaluations: found.evaluations });
    }
    const line = METHODS.map((m) => {
      const r = results.find((x) => x.device === d && x.method === m && x.seed === seed)!;
      return `${m} HV ${r.hvRatio.toFixed(3)} best ${r.bestUnderBudget.toFixed(2)}`;
    });
    console.log(`seed ${seed} ${d}: ${line.join(' · ')}`);
  }
}
rmSync(work, { recursive: true, force: true });

const f = (v: { mean: number; std: number }, digits: number) => `${v.mean.toFixed(digits)} ± ${v.std.toFixed(digits)}`;
const LABELS: Record<Method, string> = { table: '(a) measured table', roofline: '(b) roofline, uncalibrated', predictor: '(c) predictor, 10 samples' };
const lines = ['# Searching NAS-Bench-201 with a latency model: how much of the measured frontier is found', ''];
lines.push(
  `NSGA-II, ${evaluations} evaluations of 15,625 cells (generations of 50), objectives max CIFAR-10 test accuracy (NAS-Bench-201, 200 epochs) and min latency; ${seeds} seeds. ` +
    `Each found frontier is re-scored with HELP's measured latencies. HV ratio: hypervolume of the found frontier over that of the exact frontier (all 15,625 cells), reference point the slowest latency and lowest accuracy of all cells. ` +
    `Best under budget: the highest accuracy among the found frontier's cells whose measured latency is at most the device's median latency. Mean ± std over seeds.`,
  '',
);
lines.push('| device | exact frontier | budget (median) | exact best under budget | method | HV ratio | best accuracy under budget (%) | frontier size |', '|---|---|---|---|---|---|---|---|');
for (const d of devices) {
  const e = exact[d];
  for (const m of METHODS) {
    const rs = results.filter((r) => r.device === d && r.method === m);
    lines.push(
      `| ${d} | ${e.frontierSize} cells | ${e.budgetMs.toPrecision(4)} ms | ${e.bestUnderBudget.toFixed(2)} | ${LABELS[m]} | ${f(meanStd(rs.map((r) => r.hvRatio)), 3)} | ${f(meanStd(rs.map((r) => r.bestUnderBudget)), 2)} | ${meanStd(rs.map((r) => r.frontierSize)).mean.toFixed(1)} |`,
    );
  }
}
lines.push('', '| method | mean HV ratio over devices | mean shortfall from the exact best under budget (points) |', '|---|---|---|');
for (const m of METHODS) {
  const perSeed = [...Array(seeds).keys()].map((seed) => meanStd(results.filter((r) => r.method === m && r.seed === seed).map((r) => r.hvRatio)).mean);
  const shortfall = [...Array(seeds).keys()].map((seed) => meanStd(results.filter((r) => r.method === m && r.seed === seed).map((r) => exact[r.device].bestUnderBudget - r.bestUnderBudget)).mean);
  lines.push(`| ${LABELS[m]} | ${f(meanStd(perSeed), 3)} | ${f(meanStd(shortfall), 2)} |`);
}
const wallS = (performance.now() - t0) / 1000;
lines.push('', `Backend ${backend.name}; meta-training ${meanStd(timing.metaTrainS).mean.toFixed(0)} s per seed (${iterations} iterations), searches ${timing.searchS.toFixed(0)} s in all; wall time ${wallS.toFixed(0)} s.`);
mkdirSync(values.out!, { recursive: true });
writeFileSync(join(values.out!, 'hw-nas-bench.md'), lines.join('\n') + '\n');
writeFileSync(join(values.out!, 'hw-nas-bench.json'), JSON.stringify({ evaluations, seeds, iterations, exact, results, timing, wallS }, null, 1) + '\n');
console.log(lines.join('\n'));
