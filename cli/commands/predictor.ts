import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Genes } from '../../core/space.js';
import { getDevice } from '../../hardware/devices.js';
import { describeBackend, initTf } from '../../hardware/tf-backend.js';
import { adaptedDir } from '../../predictors/latency/adapted-dir.js';
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
import { ADAPT_METHODS, ruleFor } from '../../predictors/latency/selection.js';
import { createRng } from '../../core/rng.js';
import { choiceFlag, helpText, numberFlag, parseFlags } from '../args.js';
import { didYouMean } from '../../core/suggest.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { checkOutputFolder, outputLine, writeOutputFolder, type FolderOutput } from '../output.js';

/** The file every saved predictor holds: a folder with it is an earlier predictor, which a new one may replace. */
const PREDICTOR_MARKER = 'model.json';

const META_TRAIN_FLAGS = {
  space: { type: 'string', value: 'nb201|fbnet', help: 'the space of the latency table (required)' },
  data: { type: 'string', value: 'csv', help: "a latency table, one column per device (default: HELP's table of the space, shipped with hwnas)" },
  meta: { type: 'string', value: 'json', help: 'the device split and reference architectures (default: help_latency_meta.json beside the data)' },
  devices: { type: 'string', value: 'a,b', help: 'meta-training devices (default: the split in the meta file)' },
  'valid-devices': { type: 'string', value: 'c,d', help: 'meta-validation devices (default: the split in the meta file)' },
  iterations: { type: 'string', value: 'N', help: 'meta-training iterations (default 200)' },
  seed: { type: 'string', value: 'S', help: 'seed (default 0)' },
  encoder: { type: 'string', value: 'mlp|gcn', help: "the architecture encoder: HELP's MLP on the one-hot encoding, or a graph convolution over the cell (default mlp)" },
  embedding: { type: 'string', value: 'log|help', help: "the hardware embedding of the 10 reference latencies: log min–max, or HELP's linear min–max (default log)" },
  'second-order': { type: 'boolean', help: 'meta-train with second-order gradients (default first-order)' },
  out: { type: 'string', value: 'dir', help: 'where to write the predictor (required)' },
  json: { type: 'boolean', help: 'one JSON line with the training summary' },
} as const;

const ADAPT_FLAGS = {
  predictor: { type: 'string', value: 'dir', help: 'a predictor from hwnas predictor meta-train (required)' },
  device: { type: 'string', value: 'name', help: 'the name of the new device (required)' },
  samples: { type: 'string', value: 'csv', help: 'measured latencies, columns arch_str and latency_ms, with the 10 reference architectures (hwnas measure --reference) (required)' },
  method: { type: 'string', value: ADAPT_METHODS.join('|'), help: "how to adapt (default: the predictor's rule for that many samples)" },
  steps: { type: 'string', value: 'N', help: 'adaptation steps (default: those of meta-training)' },
  json: { type: 'boolean', help: 'one JSON line with the result' },
} as const;

const EVAL_FLAGS = {
  predictor: { type: 'string', value: 'dir', help: 'a predictor from hwnas predictor meta-train (required)' },
  data: { type: 'string', value: 'csv', help: "a latency table (default: HELP's table of the space, shipped with hwnas)" },
  meta: { type: 'string', value: 'json', help: 'the device split (default: help_latency_meta.json beside the data)' },
  devices: { type: 'string', value: 'a,b', help: 'devices to score (default: the meta-test split)' },
  measurements: { type: 'string', value: 'N', help: "measurements per device to adapt from: the 10 reference architectures when 10; else a random N of them, or all 10 plus N − 10 from HELP's sample pool (default 10)" },
  seed: { type: 'string', value: 'S', help: 'seed of the measurements drawn (default 0)' },
  json: { type: 'boolean', help: 'one JSON line with every score' },
} as const;

const SUBCOMMANDS = {
  'meta-train': { usage: 'hwnas predictor meta-train --space nb201|fbnet --out <dir> [--data <csv>] [flags]', description: 'Meta-trains the latency predictor across devices (first-order Meta-SGD, as HELP, NeurIPS 2021).', flags: META_TRAIN_FLAGS },
  adapt: { usage: 'hwnas predictor adapt --predictor <dir> --device <name> --samples <csv> [flags]', description: 'Adapts a meta-trained predictor to a new device from its measured architectures (1–20; the hardware embedding uses those of the 10 reference architectures present; samples CSV: columns arch_str, latency_ms).', flags: ADAPT_FLAGS },
  eval: { usage: 'hwnas predictor eval --predictor <dir> [--data <csv>] [flags]', description: "Scores the predictor on every device's whole table and on HELP's own query set (Spearman ρ, MAPE, share within ±10%).", flags: EVAL_FLAGS },
} as const;

function predictorHelp(argv: readonly string[]): string {
  const sub = argv[0] as keyof typeof SUBCOMMANDS | undefined;
  if (sub !== undefined && Object.hasOwn(SUBCOMMANDS, sub)) return helpText(SUBCOMMANDS[sub]);
  return helpText({
    usage: Object.values(SUBCOMMANDS).map((s) => s.usage),
    description: 'The meta-learned latency predictor (TensorFlow.js). hwnas predictor <sub-command> --help for its flags.',
    sections: [{ title: 'sub-commands', lines: Object.entries(SUBCOMMANDS).map(([name, s]) => `  ${name.padEnd(11)} ${s.description}`) }],
  });
}

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
  const { values } = parseFlags('predictor meta-train', argv, META_TRAIN_FLAGS);
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
  const { values } = parseFlags('predictor adapt', argv, ADAPT_FLAGS);
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
  const { values } = parseFlags('predictor eval', argv, EVAL_FLAGS);
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
  help: predictorHelp,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === undefined) throw new UsageError(`hwnas predictor: a sub-command is required: ${Object.keys(SUBCOMMANDS).join(', ')} (hwnas predictor --help)`);
    if (sub === 'meta-train') return metaTrainCmd(rest);
    if (sub === 'adapt') return adaptCmd(rest);
    if (sub === 'eval') return evalCmd(rest);
    throw new UsageError(`hwnas predictor: unknown sub-command '${sub}'${didYouMean(sub, Object.keys(SUBCOMMANDS))}; valid: ${Object.keys(SUBCOMMANDS).join(', ')}`);
  },
};
