import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Genes } from '../../core/space.js';
import { getDevice } from '../../hardware/devices.js';
import { describeBackend, initTf } from '../../hardware/tf-backend.js';
import { LATENCY_SPACES, LatencyDataError, loadHelpLatencyTable, loadHelpMeta, loadLatencySamples, rowsOfIndices, shippedHelpTableFile, type HelpSpaceMeta, type LatencySpaceId, type LatencyTable } from '../../predictors/latency/data.js';
import { ROOFLINE_REFERENCE_DEVICE } from '../../predictors/latency/encode.js';
import { evaluateDevices, HELP_QUERY, helpSamplePool, METHODS, type DeviceScore, type SetScore } from '../../predictors/latency/evaluation.js';
import { computeRoofline, featurize, prepareFeatures } from '../../predictors/latency/features.js';
import { EMBEDDING_KINDS } from '../../predictors/latency/hardware-embedding.js';
import { loadModel, saveModel } from '../../predictors/latency/io.js';
import { measuredRows, trimmedPool } from '../../predictors/latency/measurements.js';
import { metaTrain } from '../../predictors/latency/meta-train.js';
import { adapt, type HelpModel } from '../../predictors/latency/model.js';
import { ENCODER_KINDS } from '../../predictors/latency/network.js';
import { adaptedDir } from '../../predictors/latency/registry.js';
import { ADAPT_METHODS, ruleFor } from '../../predictors/latency/selection.js';
import { createRng } from '../../core/rng.js';
import { choiceFlag, numberFlag, parseFlags } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { checkOutputFolder, outputLine, writeOutputFolder, type FolderOutput } from '../output.js';

/** The file every saved predictor holds: a folder with it is an earlier predictor, which a new one may replace. */
const PREDICTOR_MARKER = 'model.json';

const USAGE = `usage:
  hwnas predictor meta-train --space nb201|fbnet --out <dir> [--data <csv>] [--meta <json>] [--devices a,b] [--valid-devices c,d]
        [--iterations 200] [--seed 0] [--encoder mlp|gcn] [--embedding log|help] [--second-order] [--json]
  hwnas predictor adapt --predictor <dir> --device <name> --samples <csv> [--method ridge-only|ridge-prior|meta-learned] [--steps n] [--json]
      (samples CSV: columns arch_str, latency_ms; measure the predictor's 10 reference architectures first — the
       hardware embedding uses those present; the method defaults to the predictor's rule for that many samples)
  hwnas predictor eval --predictor <dir> [--data <csv>] [--meta <json>] [--devices a,b] [--measurements 10] [--seed 0] [--json]
      (--measurements n: the 10 reference architectures when n = 10; else a random n of them, or all 10 plus n − 10
       others from HELP's sample pool, indices 0–899 less the device's 10% fastest and slowest)
  Without --data, HELP's measured table of the space as shipped with hwnas (data/latency) and its device split.`;

/** Turns data errors into one-line usage errors (exit 2, nothing written). */
function guard<T>(f: () => T): T {
  try {
    return f();
  } catch (error) {
    if (error instanceof LatencyDataError) throw new UsageError(error.message);
    throw error;
  }
}

function list(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(',').map((s) => s.trim()).filter(Boolean);
}

/** --meta, else help_latency_meta.json(.gz) beside the data, else none. */
function defaultMeta(data: string, explicit: string | undefined, space: LatencySpaceId): HelpSpaceMeta | undefined {
  const file = explicit ?? ['help_latency_meta.json', 'help_latency_meta.json.gz'].map((f) => join(dirname(data), f)).find(existsSync);
  return file === undefined ? undefined : guard(() => loadHelpMeta(file, space));
}

function checkDevices(table: LatencyTable, devices: readonly string[], flag: string): void {
  for (const d of devices) if (!table.latencyMs[d]) throw new UsageError(`--${flag}: unknown device '${d}' in ${table.file}; valid: ${table.devices.join(', ')}`);
}

function referenceRowsOf(table: LatencyTable, genes: readonly Genes[]): number[] {
  const byKey = new Map<string, number>();
  table.genes.forEach((g, i) => byKey.has(g.join('.')) || byKey.set(g.join('.'), i));
  return genes.map((g) => {
    const row = byKey.get(g.join('.'));
    if (row === undefined) throw new UsageError(`${table.file}: reference architecture ${g.join('.')} of the predictor is not in the data`);
    return row;
  });
}

async function metaTrainCmd(argv: readonly string[]): Promise<number> {
  const { values } = parseFlags('predictor meta-train', argv, {
    space: { type: 'string' },
    data: { type: 'string' },
    meta: { type: 'string' },
    devices: { type: 'string' },
    'valid-devices': { type: 'string' },
    iterations: { type: 'string' },
    seed: { type: 'string' },
    encoder: { type: 'string' },
    embedding: { type: 'string' },
    'second-order': { type: 'boolean' },
    out: { type: 'string' },
    json: { type: 'boolean' },
  });
  const space = choiceFlag('space', values.space, LATENCY_SPACES);
  const encoder = choiceFlag('encoder', values.encoder, ENCODER_KINDS, 'mlp');
  if (encoder === 'gcn' && space !== 'nb201') throw new UsageError(`--encoder gcn: the graph encoder is for nb201 cells; ${space} uses mlp`);
  const embedding = choiceFlag('embedding', values.embedding, EMBEDDING_KINDS, 'log');
  if (!values.out) throw new UsageError('--out <dir> is required');
  const output: FolderOutput = { flag: 'out', path: values.out, marker: PREDICTOR_MARKER };
  checkOutputFolder(output);
  const iterations = numberFlag('iterations', values.iterations, 200, { integer: true, min: 1 });
  const seed = numberFlag('seed', values.seed, 0, { integer: true, min: 0 });
  const data = values.data ?? shippedHelpTableFile(space);
  const table = guard(() => loadHelpLatencyTable(data, space));
  const meta = defaultMeta(data, values.meta, space);
  const trainDevices = list(values.devices) ?? meta?.split.metaTrain;
  if (!trainDevices || trainDevices.length === 0) throw new UsageError('--devices is required when no help_latency_meta.json is beside the data (or given with --meta)');
  const validDevices = list(values['valid-devices']) ?? meta?.split.metaValid ?? [];
  checkDevices(table, trainDevices, 'devices');
  checkDevices(table, validDevices, 'valid-devices');
  const referenceRows = meta ? guard(() => rowsOfIndices(table, meta.referenceIndices)) : table.flaggedReferenceRows;
  if (referenceRows.length !== 10) throw new UsageError(`${data}: expected 10 reference architectures (is_help_reference_arch = 1), found ${referenceRows.length}`);
  const backend = await initTf();
  if (!values.json) console.log(describeBackend(backend));
  const features = prepareFeatures(table, getDevice(ROOFLINE_REFERENCE_DEVICE), { referenceRows, lutDevices: trainDevices });
  const model = metaTrain({
    table,
    features,
    referenceRows,
    trainDevices,
    validDevices,
    rooflineDevice: ROOFLINE_REFERENCE_DEVICE,
    config: { seed, iterations, encoder, embedding, secondOrder: values['second-order'] ?? false },
    log: values.json ? undefined : (line) => console.log(line),
  });
  const written = await writeOutputFolder(output, (dir) => saveModel(dir, model));
  const t = model.meta.training;
  const rule = model.meta.rule.map((e) => ({ measurements: e.measurements, method: e.method }));
  if (values.json) console.log(JSON.stringify({ backend: backend.name, threads: backend.threads, out: values.out, space, trainDevices, validDevices, ...t, rule }));
  else {
    const order = model.meta.config.secondOrder ? 'second' : 'first';
    console.log(`meta-trained ${space} predictor on ${trainDevices.length} devices in ${t.wallS.toFixed(1)} s (${order}-order Meta-SGD, ${encoder} encoder, best meta-valid iteration ${t.bestIteration}${t.bestValidSpearman === null ? '' : `, ρ ${t.bestValidSpearman.toFixed(3)}`}); ${outputLine(written, values.out)}`);
    console.log(`default method by number of measurements (meta-validation devices): ${rule.map((e) => `${e.measurements}+ → ${e.method}`).join(', ')}`);
  }
  return 0;
}

async function adaptCmd(argv: readonly string[]): Promise<number> {
  const { values } = parseFlags('predictor adapt', argv, {
    predictor: { type: 'string' },
    device: { type: 'string' },
    samples: { type: 'string' },
    method: { type: 'string' },
    steps: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (!values.predictor) throw new UsageError('--predictor <dir> is required (from hwnas predictor meta-train)');
  const forced = values.method === undefined ? undefined : choiceFlag('method', values.method, ADAPT_METHODS);
  if (!values.device) throw new UsageError('--device <name> is required');
  if (!values.samples) throw new UsageError('--samples <csv> is required (columns arch_str, latency_ms)');
  const model: HelpModel = guard(() => loadModel(values.predictor!));
  // The adapted predictor goes under the predictor's folder, adapted/<device>; checked before any work.
  const dir = guard(() => adaptedDir(values.predictor!, values.device!));
  const output: FolderOutput = { flag: 'predictor', path: dir, marker: PREDICTOR_MARKER };
  if (existsSync(dirname(dir))) checkOutputFolder(output);
  else checkOutputFolder({ ...output, path: dirname(dir) });
  const steps = numberFlag('steps', values.steps, model.meta.config.innerSteps, { integer: true, min: 0 });
  const samples = guard(() => loadLatencySamples(values.samples!, model.meta.space));
  const firstRow = new Map<string, number>();
  samples.genes.forEach((g, i) => firstRow.has(g.join('.')) || firstRow.set(g.join('.'), i));
  // A reference architecture measured more than once counts once, with its first latency (as the embedding reads it).
  const referenceLatencyMs = model.meta.referenceGenes.map((g) => {
    const row = firstRow.get(g.join('.'));
    return row === undefined ? null : samples.latencyMs[row];
  });
  const references = referenceLatencyMs.filter((v) => v !== null).length;
  const method = forced ?? ruleFor(model.meta.rule, samples.genes.length).method;
  const backend = await initTf();
  const roofline = computeRoofline(model.meta.space, samples.genes, getDevice(model.meta.rooflineDevice));
  const x = featurize(model.meta.space, samples.genes, roofline, model.meta.featureStats, model.meta.sourceLuts);
  const adapted = adapt(model, { device: values.device, referenceLatencyMs, x, latencyMs: samples.latencyMs, method, steps });
  mkdirSync(dirname(dir), { recursive: true });
  const written = await writeOutputFolder(output, (tmp) => saveModel(tmp, adapted));
  const taken = adapted.meta.adapted!.steps;
  if (values.json) console.log(JSON.stringify({ backend: backend.name, threads: backend.threads, device: values.device, samples: samples.genes.length, references, method, steps: taken, out: dir }));
  else {
    console.log(describeBackend(backend));
    const how = method === 'meta-learned' ? `meta-learned network, ${taken} Meta-SGD steps${model.meta.config.ridgeHead === 'none' ? '' : model.meta.config.ridgeHead === 'residual' ? ' on the ridge head' : ' + correcting ridge'}` : method === 'ridge-prior' ? 'ridge around the source devices’ mean weights' : 'ridge on the source devices’ lookup tables';
    console.log(`adapted to ${values.device} from ${samples.genes.length} measured architectures, ${references} of the 10 references (${how}${forced ? '' : ', the predictor’s default for this many'}); ${outputLine(written, dir)}`);
    if (references < 10) console.log(`note: ${10 - references} reference architecture(s) not measured; \`hwnas measure --space ${model.meta.space} --reference ${values.predictor}\` measures them first`);
  }
  return 0;
}

async function evalCmd(argv: readonly string[]): Promise<number> {
  const { values } = parseFlags('predictor eval', argv, {
    predictor: { type: 'string' },
    data: { type: 'string' },
    meta: { type: 'string' },
    devices: { type: 'string' },
    measurements: { type: 'string' },
    seed: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (!values.predictor) throw new UsageError('--predictor <dir> is required');
  const measurements = numberFlag('measurements', values.measurements, 10, { integer: true, min: 1 });
  const seed = numberFlag('seed', values.seed, 0, { integer: true, min: 0 });
  const model: HelpModel = guard(() => loadModel(values.predictor!));
  const space = model.meta.space;
  const data = values.data ?? shippedHelpTableFile(space);
  const table = guard(() => loadHelpLatencyTable(data, space));
  const meta = defaultMeta(data, values.meta, space);
  const devices = list(values.devices) ?? meta?.split.metaTest;
  if (!devices || devices.length === 0) throw new UsageError('--devices is required when no help_latency_meta.json is beside the data');
  checkDevices(table, devices, 'devices');
  const referenceRows = referenceRowsOf(table, model.meta.referenceGenes);
  const backend = await initTf();
  const features = prepareFeatures(table, getDevice(model.meta.rooflineDevice), { referenceRows, lutDevices: [], stats: model.meta.featureStats, luts: model.meta.sourceLuts });
  const sourceDevices = [...model.meta.sourceDevices, ...model.meta.validDevices].filter((d) => table.latencyMs[d]);
  // n = 10: the reference architectures (HELP's protocol); otherwise a seeded draw per device (measurements.ts).
  const rng = createRng(`eval-${seed}`);
  const pool = helpSamplePool(table);
  const draws = new Map(devices.map((d) => [d, measurements === 10 ? referenceRows : guard(() => measuredRows(referenceRows, measurements, rng, trimmedPool(pool, table.latencyMs[d])))]));
  const scores = evaluateDevices({ table, features, referenceRows, testDevices: devices, sourceDevices, model, seed, methods: METHODS, helpQuery: true, measured: (d) => draws.get(d)! });
  if (values.json) {
    console.log(JSON.stringify({ backend: backend.name, threads: backend.threads, space, measurements, scores }));
    return 0;
  }
  console.log(describeBackend(backend));
  const header = ['method'.padEnd(22), ...devices.map((d) => d.padStart(22))].join(' ');
  const chosen = ruleFor(model.meta.rule, measurements).method;
  const table_ = (pick: (s: DeviceScore) => SetScore | undefined) => {
    console.log(header);
    for (const m of METHODS) {
      const cells = devices.map((d) => {
        const found = scores.find((x) => x.method === m && x.device === d);
        const s = found && pick(found);
        return (s && Number.isFinite(s.spearman) ? `${s.spearman.toFixed(3)} / ${s.mapePct.toFixed(1)} / ${(100 * s.within10).toFixed(0)}%` : '–').padStart(22);
      });
      console.log([m.padEnd(22), ...cells].join(' '));
    }
  };
  const which = measurements === 10 ? 'the 10 reference architectures' : `seed ${seed}'s draw`;
  console.log(`Spearman ρ / MAPE % / within ±10%, ${measurements} measurements (${which}), scored on the other ${table.genes.length - measurements} architectures; 'predictor' is what adapt uses by default here: ${chosen}`);
  table_((s) => s);
  console.log(`\nThe same predictions on HELP's own query set (indices ${HELP_QUERY.first}–${HELP_QUERY.first + HELP_QUERY.count - 1} less each device's ${100 * HELP_QUERY.trim}% fastest and slowest), as HELP's published figures:`);
  table_((s) => s.helpQuery);
  return 0;
}

export const command: Command = {
  name: 'predictor',
  summary: 'meta-train, adapt and evaluate the HELP-style latency predictor (nb201, fbnet)',
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === '--help' || sub === '-h') {
      console.log(USAGE);
      return sub === undefined ? 2 : 0;
    }
    if (sub === 'meta-train') return metaTrainCmd(rest);
    if (sub === 'adapt') return adaptCmd(rest);
    if (sub === 'eval') return evalCmd(rest);
    throw new UsageError(`hwnas predictor: unknown sub-command '${sub}'; valid: meta-train, adapt, eval`);
  },
};
