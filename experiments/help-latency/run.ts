/**
 * The adaptation curve of the HELP-style latency predictor on HELP's device split (markdown + JSON):
 *   node --import tsx experiments/help-latency/run.ts [--seeds 5] [--iterations 200] [--spaces nb201,fbnet]
 *        [--variants ours[,help,ours-gcn,ours-help-embedding,ours-2nd-order,ours-correction]] [--measurements 1,3,5,10,20] [--out DIR]
 * For each number of measurements n on each meta-test device (measurements.ts: n ≤ 10 a random n of the 10 reference
 * architectures; 20 = all 10 plus 10 random from HELP's sample pool: indices 0–899 less the device's 10% fastest and
 * slowest), Spearman ρ over every other
 * architecture and over HELP's query set: ridge-only, ridge around the source devices' mean (closed-form meta-learning),
 * each meta-learned network variant, the default rule of each variant (chosen on the meta-validation devices), the
 * FLOPs proxy and a plain MLP from scratch. Seeds vary meta-training and the measurement draws; at n = 10 the
 * measurements are always the 10 references, so there only meta-training varies.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createRng } from '../../core/rng.js';
import { getDevice } from '../../hardware/devices.js';
import { describeBackend, initTf } from '../../hardware/tf-backend.js';
import { loadHelpLatencyTable, loadHelpMeta, rowsOfIndices, shippedHelpTableFile, SHIPPED_HELP_META_FILE, type LatencySpaceId } from '../../predictors/latency/data.js';
import { ROOFLINE_REFERENCE_DEVICE } from '../../predictors/latency/encode.js';
import { evaluateDevices, helpSamplePool, type DeviceScore, type Method } from '../../predictors/latency/evaluation.js';
import { prepareFeatures } from '../../predictors/latency/features.js';
import { measuredRows, trimmedPool } from '../../predictors/latency/measurements.js';
import { metaTrain } from '../../predictors/latency/meta-train.js';
import type { MetaTrainConfig } from '../../predictors/latency/model.js';
import { HELP_PUBLISHED_NB201 } from '../../predictors/latency/published.js';
import type { RuleEntry } from '../../predictors/latency/selection.js';
import { meanStd } from '../../predictors/latency/stats.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '5' },
    iterations: { type: 'string', default: '200' },
    spaces: { type: 'string', default: 'nb201,fbnet' },
    variants: { type: 'string', default: 'ours' },
    measurements: { type: 'string', default: '1,3,5,10,20' },
    'plain-mlp': { type: 'string', default: '10' },
    out: { type: 'string', default: join(here, 'results') },
  },
});
const seeds = Number(values.seeds);
const iterations = Number(values.iterations);
const spaces = values.spaces!.split(',') as LatencySpaceId[];
const grid = values.measurements!.split(',').map(Number);
const plainAt = new Set(values['plain-mlp']!.split(',').filter(Boolean).map(Number));

/** Meta-learned variants: ours, each of HELP's choices on top of ours, and HELP's choices together. */
const VARIANTS: Record<string, { label: string; config: (space: LatencySpaceId) => Partial<MetaTrainConfig> | null }> = {
  ours: { label: 'ours: MLP on features + LUTs, log embedding, 1st-order Meta-SGD, ridge head', config: () => ({}) },
  'ours-correction': { label: 'ours, network first and the ridge correcting it (trained through the ridge)', config: () => ({ ridgeHead: 'correction' }) },
  'ours-gcn': { label: 'ours with HELP’s graph encoder', config: (s) => (s === 'nb201' ? { encoder: 'gcn' } : null) },
  'ours-help-embedding': { label: 'ours with HELP’s hardware embedding (linear min–max)', config: () => ({ embedding: 'help' }) },
  'ours-2nd-order': { label: 'ours with second-order Meta-SGD', config: () => ({ secondOrder: true }) },
  help: {
    label: 'HELP’s choices: GCN (nb201) / MLP on one-hot (fbnet), linear embedding, 2nd-order, no ridge head, no LUTs in the encoder',
    config: (s) => ({ encoder: s === 'nb201' ? 'gcn' : 'mlp', archInput: 'onehot', skip: false, embedding: 'help', secondOrder: true, ridgeHead: 'none' }),
  },
};
const variants = values.variants!.split(',');
for (const v of variants) if (!VARIANTS[v]) throw new Error(`--variants: unknown '${v}'; valid: ${Object.keys(VARIANTS).join(', ')}`);

const backend = await initTf({ prefer: 'wasm', threads: 1 });
console.log(describeBackend(backend));

/** One score row of the JSON: a method (a variant's, or variant-free), a device, a seed, a number of measurements. */
type Row = DeviceScore & { seed: number; variant: string | null };
interface Training { variant: string; seed: number; wallS: number; bestIteration: number; bestValidSpearman: number | null; rule: readonly RuleEntry[] }
interface SpaceResult { space: LatencySpaceId; devices: string[]; rows: Row[]; training: Training[]; featureS: number; evalS: number }

const started = performance.now();
const results: SpaceResult[] = [];
for (const space of spaces) {
  const table = loadHelpLatencyTable(shippedHelpTableFile(space), space);
  const meta = loadHelpMeta(SHIPPED_HELP_META_FILE, space);
  const ref = rowsOfIndices(table, meta.referenceIndices);
  let t0 = performance.now();
  const features = prepareFeatures(table, getDevice(ROOFLINE_REFERENCE_DEVICE), { referenceRows: ref, lutDevices: meta.split.metaTrain });
  const featureS = (performance.now() - t0) / 1000;
  const devices = [...meta.split.metaTest];
  const samplePool = helpSamplePool(table);
  const common = { table, features, referenceRows: ref, helpQuery: true, testDevices: devices, sourceDevices: [...meta.split.metaTrain, ...meta.split.metaValid] };
  const rows: Row[] = [];
  const training: Training[] = [];
  let evalS = 0;
  for (let seed = 0; seed < seeds; seed++) {
    // The same measurement draws for every method and variant of this seed (paired comparisons).
    const rng = createRng(`measurements-${space}-${seed}`);
    const draws = new Map(grid.flatMap((n) => devices.map((d) => [`${n}/${d}`, measuredRows(ref, n, rng, trimmedPool(samplePool, table.latencyMs[d]))] as const)));
    for (const [vi, variant] of variants.entries()) {
      const config = VARIANTS[variant].config(space);
      if (!config) continue;
      const model = metaTrain({ table, features, referenceRows: ref, trainDevices: meta.split.metaTrain, validDevices: meta.split.metaValid, rooflineDevice: ROOFLINE_REFERENCE_DEVICE, config: { ...config, seed, iterations } });
      const tr = model.meta.training;
      training.push({ variant, seed, wallS: tr.wallS, bestIteration: tr.bestIteration, bestValidSpearman: tr.bestValidSpearman, rule: model.meta.rule });
      t0 = performance.now();
      for (const n of grid) {
        // Closed-form methods and baselines do not depend on the variant: score them with the first one.
        const methods: Method[] = ['meta-learned', 'predictor', ...(vi === 0 ? (['ridge-only', 'ridge-prior', 'flops', ...(plainAt.has(n) ? ['plain-mlp' as const] : [])] as Method[]) : [])];
        const scores = evaluateDevices({ ...common, model, seed, methods, plainSteps: 200, measured: (d) => draws.get(`${n}/${d}`)! });
        for (const s of scores) rows.push({ ...s, seed, variant: ['meta-learned', 'predictor'].includes(s.method) ? variant : null });
      }
      evalS += (performance.now() - t0) / 1000;
      const at10 = rows.filter((r) => r.seed === seed && r.variant === variant && r.method === 'meta-learned' && r.measurements === 10);
      console.log(`${space} seed ${seed} ${variant}: meta-training ${tr.wallS.toFixed(1)} s, best iteration ${tr.bestIteration}; rule ${model.meta.rule.map((e) => `${e.measurements}:${e.method}`).join(' ')}; ρ at 10 ${at10.map((x) => `${x.device} ${x.spearman.toFixed(3)}`).join(', ')}`);
    }
  }
  results.push({ space, devices, rows, training, featureS, evalS });
}
const wallS = (performance.now() - started) / 1000;

// ---- Report ----
const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '–');
const cell = (v: number[]) => {
  if (v.length === 0) return '–';
  const { mean, std } = meanStd(v);
  return std > 0.0005 ? `${f3(mean)} ± ${f3(std)}` : f3(mean);
};
const UNLIKE = ['pixel2', 'raspi4', 'eyeriss'];
const lines: string[] = ['# HELP-style latency predictor: what meta-learning adds, by number of measurements', ''];
lines.push(`Backend: ${backend.name}, threads ${backend.threads}. Seeds: ${seeds}. Meta-training: ${iterations} iterations × 4 devices, 2 inner steps; each task draws its number of measurements from {${grid.join(', ')}}. Total wall time ${(wallS / 60).toFixed(1)} min.`);
lines.push('Measurements of a meta-test device: n ≤ 10 → a random n of the 10 hardware-embedding reference architectures (the rest of the embedding masked); n = 20 → all 10 plus 10 random architectures of HELP’s sample pool (indices 0–899 less the device’s 10% fastest and 10% slowest, loader.py), as HELP adapts (10 references for the embedding + 10 samples). ρ = Spearman over every architecture not measured; mean ± std over seeds of the per-seed value.', '');

interface MethodLine { label: string; short: string; pick: (r: Row) => boolean }
for (const r of results) {
  const methodLines: MethodLine[] = [
    { label: 'ridge-only (no meta-learning)', short: 'ridge-only', pick: (x) => x.method === 'ridge-only' },
    { label: 'ridge around the source devices’ mean (closed-form meta-learning)', short: 'ridge-prior', pick: (x) => x.method === 'ridge-prior' },
    ...variants
      .filter((v) => r.training.some((t) => t.variant === v))
      .flatMap((v) => [
        { label: `meta-learned — ${VARIANTS[v].label}`, short: `meta-learned (${v})`, pick: (x: Row) => x.method === 'meta-learned' && x.variant === v },
        { label: `default rule of ${v} (chosen on meta-valid)`, short: `default rule (${v})`, pick: (x: Row) => x.method === 'predictor' && x.variant === v },
      ]),
    { label: 'FLOPs proxy', short: 'FLOPs proxy', pick: (x) => x.method === 'flops' },
    { label: 'plain MLP from scratch on the measurements', short: 'plain MLP', pick: (x) => x.method === 'plain-mlp' },
  ];
  const seedMean = (pick: (x: Row) => boolean, devices: readonly string[], n: number, query: boolean) =>
    [...new Set(r.rows.map((x) => x.seed))]
      .map((seed) => r.rows.filter((x) => x.seed === seed && x.measurements === n && devices.includes(x.device) && pick(x)).map((x) => (query ? x.helpQuery!.spearman : x.spearman)))
      .filter((v) => v.length === devices.length)
      .map((v) => v.reduce((s, x) => s + x, 0) / v.length);
  const curve = (title: string, devices: readonly string[], query: boolean) => {
    lines.push(`### ${title}`, '', `| method | ${grid.map((n) => `n = ${n}`).join(' | ')} |`, `|---|${grid.map(() => '---|').join('')}`);
    for (const m of methodLines) {
      if (!r.rows.some(m.pick)) continue;
      lines.push(`| ${m.label} | ${grid.map((n) => cell(seedMean(m.pick, devices, n, query))).join(' | ')} |`);
    }
    if (r.space === 'nb201' && query) {
      const pub = meanStd(devices.map((d) => HELP_PUBLISHED_NB201.help[d])).mean;
      lines.push(`| published HELP (10 references + 10 samples = 20 measured) | ${grid.map((n) => (n === 20 ? f3(pub) : '')).join(' | ')} |`);
    }
    lines.push('');
  };
  lines.push(`## ${r.space}`, '');
  curve(`${r.space}: mean Spearman ρ over the ${r.devices.length} meta-test devices, whole table`, r.devices, false);
  curve(`${r.space}: mean ρ on HELP’s query set (indices 900–1899, middle 80% by latency)`, r.devices, true);
  const unlike = r.devices.filter((d) => UNLIKE.includes(d));
  const like = r.devices.filter((d) => !UNLIKE.includes(d));
  if (unlike.length > 0 && like.length > 0) {
    curve(`${r.space}: devices unlike the meta-training ones (${unlike.join(', ')}), whole table`, unlike, false);
    curve(`${r.space}: the other meta-test devices (${like.join(', ')}), whole table`, like, false);
  }
  lines.push(`### ${r.space}: per device, whole table (HELP’s query set in brackets at n = 20 beside the published figure)`, '');
  lines.push(`| device | method | ${grid.map((n) => `n = ${n}`).join(' | ')} |`, `|---|---|${grid.map(() => '---|').join('')}`);
  for (const d of r.devices) {
    for (const m of methodLines) {
      if (!r.rows.some((x) => x.device === d && m.pick(x))) continue;
      const cells = grid.map((n) => {
        const whole = cell(seedMean(m.pick, [d], n, false));
        return n === 20 ? `${whole} [${cell(seedMean(m.pick, [d], n, true))}]` : whole;
      });
      lines.push(`| ${d} | ${m.short} | ${cells.join(' | ')} |`);
    }
    if (r.space === 'nb201') lines.push(`| ${d} | published HELP (HELP’s query set, 20 measured) | ${grid.map((n) => (n === 20 ? f3(HELP_PUBLISHED_NB201.help[d]) : '')).join(' | ')} |`);
  }
  lines.push('', `### ${r.space}: default method per number of measurements, chosen on the meta-validation devices only (their mean ρ per method: r-only = ridge-only, r-prior = ridge-prior, ml = meta-learned)`, '');
  lines.push(`| variant | seed | ${grid.map((n) => `n = ${n}`).join(' | ')} | best iteration | meta-training s |`, `|---|---|${grid.map(() => '---|').join('')}---|---|`);
  for (const t of r.training) {
    const cells = grid.map((n) => {
      const e = t.rule.find((x) => x.measurements === n);
      return e ? `${e.method} (${Object.entries(e.validSpearman).map(([k, v]) => `${k.replace('ridge-', 'r-').replace('meta-learned', 'ml')} ${f3(v)}`).join(', ')})` : '–';
    });
    lines.push(`| ${t.variant} | ${t.seed} | ${cells.join(' | ')} | ${t.bestIteration} | ${t.wallS.toFixed(0)} |`);
  }
  lines.push('', `Features (lowering + roofline + lookup tables): ${r.featureS.toFixed(1)} s; evaluation: ${r.evalS.toFixed(0)} s.`, '');
}
mkdirSync(values.out!, { recursive: true });
writeFileSync(join(values.out!, 'help-latency.md'), lines.join('\n'));
writeFileSync(join(values.out!, 'help-latency.json'), JSON.stringify({ backend, seeds, iterations, grid, variants, wallS, results }, null, 1));
console.log(lines.join('\n'));
