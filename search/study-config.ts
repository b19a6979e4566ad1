/**
 * A study's configuration: one zod schema shared by the `hwnas search` flags and `hwnas search -c study.yaml`,
 * and the validated, resolved form the study loop runs from. The stored config (plain data) is what
 * `hwnas resume` and `hwnas export` read back.
 */
import { z } from 'zod';
import { UsageError, formatPath } from '../core/usage-error.js';
import { intIn, SIZE_LIMITS } from '../core/size-limits.js';
import { didYouMean } from '../core/suggest.js';
import { describeIssue, schemaAt } from '../core/zod-message.js';
import { baseMetric, defaultDirection, METRIC_ALIASES, parseConstraints, parseObjectives, type Constraint, type Direction, type Objective } from '../core/objectives.js';
import { METRICS } from '../core/metrics.js';
import type { SearchSpace } from '../core/space.js';
import { createRng } from '../core/rng.js';
import { spaceRefName } from './space-file.js';
import type { StudyInputs } from './store/types.js';
import { deviceList, readStudyInputs, studySpace } from './study-inputs.js';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { adaptedDir } from '../predictors/latency/adapted-dir.js';
import type { PredictedSpec } from './evaluate/predicted.js';
import type { SplitSpec } from './evaluate/split.js';
import { DEVICE_ID_PATTERN, deviceMetricDeclarations, farmMetricDeclarations, ROOFLINE_LATENCY_METRICS, type FarmSpec } from './evaluate/farm.js';
import { parseLink } from '../hardware/link.js';
import type { DeviceProfile } from '../hardware/device.js';
import { deviceFromText, deviceIds, getDevice, loadDeviceFile } from '../hardware/devices.js';
import { localSpecProfile } from '../hardware/measure/calibrate.js';
import { lawFromText, resolveLaw } from '../predictors/loss/index.js';
import { DEFAULT_PRECISION_LOSS, DEFAULT_TRAINING_TOKENS, type PrecisionLossSpec } from './evaluate/analytic.js';
import { PRECISIONS } from '../core/precision.js';
import { PTQ_B_READINGS } from '../predictors/loss/precision-penalty.js';
import { EVALUATOR_KINDS, type EvaluatorSpec, type UserEvaluatorSpec } from './evaluate/registry.js';
import type { MetricDeclaration } from './evaluate/metric-declarations.js';
import { helpLatencySpec, nb201AccuracySpec } from './evaluate/shipped-tables.js';
import { userEvaluatorSchema, userEvaluatorSpecs } from './user-evaluators.js';
import { ROOFLINE_REFERENCE_DEVICE } from '../predictors/latency/encode.js';
import { loadHelpMeta, SHIPPED_HELP_META_FILE } from '../predictors/latency/data.js';
import { getStrategy } from './strategies/index.js';
import type { StrategyFactory } from './strategy.js';
import type { Budget } from './study.js';

/** `90`, `90s`, `1500ms`, `10m`, `2h` → milliseconds (a bare number is seconds). */
export function parseDurationMs(value: number | string): number {
  if (typeof value === 'number') return value * 1000;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!m) throw new Error(`expected a duration such as 90s, 10m or 2h, got '${value}'`);
  const scale = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * scale;
}

const positiveInt = z.coerce.number().int().min(1);
/** Candidates per generation or per evaluator call: bounded like a population (core/size-limits.ts). */
const batchSize = intIn(1, SIZE_LIMITS.population);

/** Every field a study accepts; keys are the flags in camelCase (`--wall-time` → wallTime). */
export const studyConfigSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'expected 1–128 letters, digits, dots, dashes or underscores')
    .optional(),
  /** The database file (default hwnas.db in the working directory). */
  db: z.string().min(1).optional(),
  /** A built-in space id, a space file, or a space definition (as in a space file). */
  space: z.union([z.string().min(1), z.record(z.string(), z.unknown())]),
  device: z.string().min(1).optional(),
  objectives: z.string().min(1).default('loss,latency'),
  constraints: z.array(z.string().min(1)).default([]),
  strategy: z.string().min(1).default('nsga2'),
  strategyOptions: z.record(z.string(), z.unknown()).default({}),
  seed: z.coerce.number().int().min(0).max(2 ** 31 - 1).default(0),
  evaluations: positiveInt.default(1000),
  wallTime: z
    .union([z.number().positive(), z.string()])
    .refine((v) => {
      try {
        return parseDurationMs(v) > 0;
      } catch {
        return false;
      }
    }, 'expected a duration such as 90s, 10m or 2h')
    .optional(),
  patience: positiveInt.optional(),
  generationSize: batchSize.default(64),
  evaluator: z.string().optional(),
  /** Slow test evaluator: CPU time per candidate. */
  costMs: z.coerce.number().min(0).default(10),
  /** Slow test evaluator: share of candidates that throw, hang or crash their worker (for tests and demos). */
  testFaults: z
    .strictObject({ throwRate: z.number().min(0).max(1).optional(), hangRate: z.number().min(0).max(1).optional(), crashRate: z.number().min(0).max(1).optional() })
    .optional(),
  /** Worker threads; 0 evaluates in-process. */
  threads: z.coerce.number().int().min(0).max(256).default(0),
  chunkSize: batchSize.default(16),
  timeoutMs: z.coerce.number().positive().optional(),
  workload: z
    .strictObject({
      batch: intIn(1, SIZE_LIMITS.batch).default(1),
      promptTokens: intIn(1, SIZE_LIMITS.tokens).default(1024),
      generatedTokens: intIn(1, SIZE_LIMITS.tokens).default(16),
    })
    .default({ batch: 1, promptTokens: 1024, generatedTokens: 16 }),
  /** Analytic evaluator: a built-in loss law id or a law file (`hwnas fit --out`). */
  lossLaw: z.string().min(1).default('codesign'),
  /** Analytic evaluator: the roofline with the device's efficiencies, the ideal roofline, or the paper's closed forms. */
  mode: z.enum(['roofline', 'ideal', 'paper']).default('roofline'),
  /** Analytic evaluator: training tokens D for laws that read it and for the precision penalties. */
  trainingTokens: z.coerce.number().positive().default(DEFAULT_TRAINING_TOKENS),
  /** Analytic evaluator: the precision candidates were trained in, where their genes set none (Kumar et al.'s N_eff). */
  trainingPrecision: z.enum(PRECISIONS).default(DEFAULT_PRECISION_LOSS.trainingPrecision),
  /** Analytic evaluator: Table 2's unresolved b of the post-training penalty, left out ('none') or read inside the exponential. */
  ptqB: z.enum(PTQ_B_READINGS).default(DEFAULT_PRECISION_LOSS.ptqB),
  out: z.string().min(1).optional(),
  /**
   * Latency from the roofline on `device`, from the roofline on a calibrated profile (`deviceFile`), measured here,
   * predicted (a HELP-style predictor), or read from HELP's measured table (nb201, fbnet; `device` names its column).
   */
  latency: z.enum(['analytic', 'calibrated', 'measured', 'predicted', 'table']).optional(),
  /** Predicted latency: the meta-trained predictor directory, and the device name it was adapted to. */
  predictor: z.string().min(1).optional(),
  predictorDevice: z.string().min(1).optional(),
  /** A device profile file (e.g. written by `hwnas calibrate`). */
  deviceFile: z.string().min(1).optional(),
  /** The study's own evaluators (a command, a module, a table) beside hwnas's, with their declared metrics. */
  evaluators: z.array(userEvaluatorSchema).default([]),
  /**
   * Split search: the devices each candidate is partitioned over, comma-separated ids or profile files in the order
   * a request visits them; the cuts become genes (architecture and partition co-designed).
   */
  devices: z.string().min(1).optional(),
  /** Split search: the link between the devices (default 100Mbit/s,2ms). */
  link: z.string().min(1).optional(),
  /**
   * Latency measured on each of these devices (comma-separated ids or profile files), by workers on a server that
   * are those devices (search/evaluate/farm.ts); the metrics are named after each device, latencyMs@<id>.
   */
  measureOn: z.string().min(1).optional(),
});

export type StudyConfigInput = z.input<typeof studyConfigSchema>;
export type StudyConfig = z.output<typeof studyConfigSchema>;

/** Where a config value came from, for error messages: a flag, or a field of a file. */
export interface ConfigSources {
  readonly file?: string;
  /** Keys given as flags (they override the file). */
  readonly flagKeys?: ReadonlySet<string>;
}

/** The flag of a config key (`wallTime` → `--wall-time`); the plural list `constraints` is typed `--constraint`. */
export function flagOf(key: string): string {
  if (key === 'constraints') return '--constraint';
  if (key === 'workload') return '--batch/--prompt/--generate';
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Fields for tests and demos (the slow test evaluator's knobs): accepted, never listed to users. */
export const HIDDEN_CONFIG_KEYS: ReadonlySet<string> = new Set(['costMs', 'testFaults']);

/** The config fields a user may write in a study file, for help texts and messages. */
export function userConfigKeys(): string[] {
  return Object.keys(studyConfigSchema.shape).filter((k) => !HIDDEN_CONFIG_KEYS.has(k));
}

/** Validates a config; a bad value throws one UsageError line naming the flag or the file and field. */
export function parseStudyConfig(input: unknown, sources: ConfigSources = {}): StudyConfig {
  const result = studyConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const key = String(issue.path[0] ?? '');
  let message = describeIssue(issue, input, schemaAt(studyConfigSchema, issue.path));
  if (issue.code === 'unrecognized_keys') {
    const valid = userConfigKeys();
    message = `${message}${issue.keys.length === 1 ? didYouMean(issue.keys[0], valid) : ''}; valid: ${valid.join(', ')}`;
  }
  if (key && sources.flagKeys?.has(key) && (issue.path.length === 1 || key === 'workload')) {
    const flag = key === 'workload' ? `--${{ batch: 'batch', promptTokens: 'prompt', generatedTokens: 'generate' }[String(issue.path[1])] ?? 'batch'}` : flagOf(key);
    throw new UsageError(`${flag}: ${message}`);
  }
  const where = sources.file ?? 'hwnas search';
  throw new UsageError(`${where}: ${issue.path.length > 0 ? `${formatPath(issue.path)}: ` : ''}${message}`);
}

/** Everything the loop needs, resolved and checked before any file is written. */
export interface ResolvedStudy {
  readonly config: StudyConfig;
  readonly name: string;
  readonly space: SearchSpace;
  readonly strategy: StrategyFactory;
  readonly objectives: Objective[];
  readonly constraints: Constraint[];
  readonly evaluator: EvaluatorSpec;
  /** Metrics declared by the study's own evaluators and the shipped tables (nb201 accuracy). */
  readonly declared: readonly MetricDeclaration[];
  readonly budget: Budget;
  /** The files the config names, with their content: read now for a new study, or the copies a study stored. */
  readonly inputs: StudyInputs;
}

/**
 * A name made safe as a file name in the working folder: characters other than letters, digits, '.', '_' and
 * '-' become '_', and no leading dot or underscore (a study named after a path must not export outside it).
 */
export function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '') || 'study';
}

/** Short names of metrics in study names (the aliases users type). */
const SHORT_METRIC: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(METRIC_ALIASES).map(([alias, metric]) => [metric, alias]));
/** `latencyMs` → `latency`, `latencyMs@pixel7` → `latency@pixel7`. */
const shortMetric = (metric: string): string => {
  const base = baseMetric(metric);
  return `${SHORT_METRIC[base] ?? base}${metric.slice(base.length)}`;
};

/**
 * The default study name: what was searched, where, how, with which seed, for which objectives under which
 * constraints — `llm-codesign-jetson-agx-orin-roofline-s0-loss.latency-tpot.le20`. Two searches that differ in
 * any of these get different names; `hwnas search` adds -2, -3… when a different configuration holds the name.
 */
export function defaultStudyName(c: StudyConfig): string {
  // A space or profile from a file (--space my.yaml, --device-file, --device path/to/device.json) is named by its file.
  const isFile = (ref: string) => /[\\/]|\.(json|ya?ml)$/i.test(ref);
  const fileName = (path: string) => basename(path).replace(/\.(json|ya?ml)$/i, '');
  const space = typeof c.space === 'string' && isFile(c.space) ? fileName(c.space) : spaceRefName(c.space);
  const named = (d: string) => (isFile(d) ? fileName(d) : d);
  const device =
    c.measureOn !== undefined
      ? `on-${deviceList(c.measureOn).map(named).join('_')}`
      : c.devices !== undefined
        ? deviceList(c.devices).map(named).join('_')
        : c.device !== undefined
          ? named(c.device)
          : c.deviceFile !== undefined
            ? fileName(c.deviceFile)
            : 'nodevice';
  let objectives: string;
  try {
    // Devices measured on are named by their ids here (a profile file's id is not read to name a study).
    const catalog = metricCatalog(c);
    const known = [...catalog.known, ...deviceMetricDeclarations(c.measureOn !== undefined ? deviceList(c.measureOn).map(named) : []).map((d) => d.name)];
    const directions = catalog.directions;
    objectives = parseObjectives(c.objectives, known, directions)
      .map((o) => `${o.direction !== (directions[o.metric] ?? defaultDirection(o.metric)) ? `${o.direction}-` : ''}${shortMetric(o.metric)}`)
      .join('.');
  } catch {
    objectives = c.objectives;
  }
  const constraints = c.constraints.map((text) => {
    const m = /^\s*([A-Za-z_]\w*(?:@[\w.-]+)?)\s*(<=|>=|≤|≥)\s*(.+?)\s*$/.exec(text);
    if (!m) return text;
    const metric = shortMetric(m[1].replace(/^[^@]+/, (b) => METRIC_ALIASES[b] ?? b));
    return `${metric}.${m[2] === '<=' || m[2] === '≤' ? 'le' : 'ge'}${m[3]}`;
  });
  return fileSafe([space, device, c.strategy, `s${c.seed}`, objectives, ...constraints].join('-'));
}

/**
 * Fields that change neither which candidates a study asks for nor what they score: its name and database, the
 * budget, how the work is spread (threads, chunks, time limits) and where the frontier is written. A study
 * re-run with only these changed is the same study, continued.
 */
const NOT_IDENTITY: ReadonlySet<string> = new Set(['name', 'db', 'evaluations', 'wallTime', 'patience', 'threads', 'chunkSize', 'timeoutMs', 'out']);

/** The fields (config keys) in which two study configurations differ as studies; empty when they are the same study. */
export function identityDifferences(a: StudyConfig, b: StudyConfig): string[] {
  const canonical = (v: unknown): string =>
    JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([p], [q]) => p.localeCompare(q))) : x));
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => !NOT_IDENTITY.has(k) && canonical((a as Record<string, unknown>)[k]) !== canonical((b as Record<string, unknown>)[k]));
}

/** The evaluator kind used when the config names none: analytic when available, else the slow test one. */
export function defaultEvaluatorKind(): string {
  return (EVALUATOR_KINDS as readonly string[]).includes('analytic') ? 'analytic' : EVALUATOR_KINDS[0];
}

function precisionLossOf(c: StudyConfig): PrecisionLossSpec {
  return { trainingPrecision: c.trainingPrecision, ptqB: c.ptqB };
}

const DEFAULT_LINK = '100Mbit/s,2ms';

/** `fn()`, or its error as one UsageError naming where `key` came from (`at(key)`: a flag, or a file's field). */
function orUsage<T>(at: (key: string) => string, key: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw new UsageError(`${at(key)}${error instanceof Error ? error.message : String(error)}`);
  }
}

/** What every roofline-priced spec shares: the workload, the mode and the loss law (its stored text), as data. */
function lawFields(c: StudyConfig, files: FileReaders) {
  return { workload: c.workload, mode: c.mode, law: c.lossLaw, ...files.lawText(c.lossLaw), trainingTokens: c.trainingTokens, precisionLoss: precisionLossOf(c) };
}

/** lawFields, once the law is known to load (a bad law is one line naming --loss-law). */
function checkedLawFields(c: StudyConfig, at: (key: string) => string, files: FileReaders) {
  orUsage(at, 'lossLaw', () => files.law(c.lossLaw));
  return lawFields(c, files);
}

/** --devices a,b[,c] [--link]: the split evaluator over those devices; the other latency sources do not mix with it. */
function splitSpecOf(c: StudyConfig, at: (key: string) => string, files: FileReaders): SplitSpec {
  const ids = deviceList(c.devices!);
  if (ids.length < 2 || ids.some((d) => d === '')) throw new UsageError(`${at('devices')}expected at least 2 devices separated by commas, got '${c.devices}'`);
  if (c.device !== undefined) throw new UsageError(`${at('device')}give --device (one device) or --devices (a split over several), not both`);
  if (c.deviceFile !== undefined) throw new UsageError(`${at('deviceFile')}a split takes profile files in --devices itself`);
  if (c.latency !== undefined && c.latency !== 'analytic') throw new UsageError(`${at('latency')}a split over --devices is priced by the roofline of each device; --latency ${c.latency} does not apply`);
  if (c.evaluator !== undefined && c.evaluator !== 'split') throw new UsageError(`${at('evaluator')}--devices uses the split evaluator; drop --evaluator ${c.evaluator}`);
  if (c.mode === 'paper') throw new UsageError(`${at('mode')}the paper's closed forms price a whole model, not its stages; drop --paper`);
  const devices = ids.map((id) => orUsage(at, 'devices', () => files.device(id)));
  const link = orUsage(at, 'link', () => parseLink(c.link ?? DEFAULT_LINK));
  // mode is narrowed above: the paper's closed forms are refused for a split.
  return { kind: 'split', devices, link, ...checkedLawFields(c, at, files), mode: c.mode };
}

/**
 * The files a config names, read from the study's stored copies when it has them (study-inputs.ts), else from
 * the disk (a study recorded before files were stored).
 */
function fileReaders(inputs: StudyInputs | undefined) {
  return {
    device: (ref: string) => {
      const stored = [inputs?.device, ...(inputs?.devices ?? []), ...(inputs?.measureOn ?? [])].find((f) => f?.path === ref);
      return stored ? deviceFromText(stored.text, ref) : getDevice(ref);
    },
    deviceFile: (path: string) => (inputs?.deviceFile && inputs.deviceFile.path === path ? deviceFromText(inputs.deviceFile.text, path) : loadDeviceFile(path)),
    law: (ref: string) => (inputs?.lossLaw && inputs.lossLaw.path === ref ? lawFromText(inputs.lossLaw.text, ref) : resolveLaw(ref)),
    /** The law file's text for the evaluator spec: workers price with it, never with the file as it is now. */
    lawText: (ref: string) => (inputs?.lossLaw && inputs.lossLaw.path === ref ? { lawText: inputs.lossLaw.text } : {}),
  };
}
type FileReaders = ReturnType<typeof fileReaders>;

function evaluatorSpecOf(c: StudyConfig, where: string, at: (key: string) => string, files: FileReaders): EvaluatorSpec {
  if (c.measureOn !== undefined) return farmSpecOf(c, at, files);
  if (c.devices !== undefined) return splitSpecOf(c, at, files);
  if (c.link !== undefined) throw new UsageError(`${at('link')}only for a split over --devices`);
  if (c.latency === 'table') return helpTableSpecOf(c, at, files);
  if (c.latency === 'calibrated' || c.latency === 'measured' || c.latency === 'predicted' || c.evaluator === 'measured' || c.deviceFile !== undefined) return latencySpecOf(c, at, files);
  const kind = c.evaluator ?? defaultEvaluatorKind();
  if (!(EVALUATOR_KINDS as readonly string[]).includes(kind)) {
    const listed = EVALUATOR_KINDS.filter((k) => k !== 'slow-test');
    throw new UsageError(`${where}unknown evaluator '${kind}'${didYouMean(kind, listed)}; valid: ${listed.join(', ')}`);
  }
  switch (kind) {
    case 'slow-test':
      return { kind: 'slow-test', costMs: c.costMs, ...(c.testFaults ? { faults: c.testFaults } : {}) };
    case 'analytic': {
      if (c.device === undefined) throw new UsageError(`${at('device')}required by the analytic evaluator; one of ${deviceIds().join(', ')} or a device .json file`);
      const device = orUsage(at, 'device', () => files.device(c.device!));
      return { kind: 'analytic', device, ...checkedLawFields(c, at, files) };
    }
    default:
      throw new UsageError(`${where}evaluator '${kind}' cannot be configured from a study config`);
  }
}

/**
 * --latency calibrated|measured and --device-file: the analytic evaluator on a calibrated profile, or the measured
 * evaluator (latency timed on this machine; the other metrics analytic on the device, by default this CPU's spec
 * sheet). Measurements must not overlap, so a measured study runs in-process or in one worker thread.
 */
function latencySpecOf(c: StudyConfig, at: (key: string) => string, files: FileReaders): EvaluatorSpec {
  const latency = c.latency ?? (c.evaluator === 'measured' ? 'measured' : 'analytic');
  if (c.evaluator !== undefined && c.evaluator !== 'analytic' && c.evaluator !== latency) throw new UsageError(`${at('evaluator')}--latency ${latency} chooses the evaluator; drop --evaluator ${c.evaluator}`);
  let device: DeviceProfile;
  if (c.deviceFile !== undefined) device = orUsage(at, 'deviceFile', () => files.deviceFile(c.deviceFile!));
  else if (latency === 'calibrated') throw new UsageError(`${at('latency')}calibrated latency needs --device-file device.json (written by hwnas calibrate)`);
  else if (c.device !== undefined) device = orUsage(at, 'device', () => files.device(c.device!));
  else if (latency === 'measured') device = localSpecProfile();
  else throw new UsageError(`${at('device')}required by the analytic evaluator; one of ${deviceIds().join(', ')} or a device .json file`);
  const base = { device, ...checkedLawFields(c, at, files) };
  if (latency === 'predicted') return predictedSpecOf(c, base, at);
  if (latency !== 'measured') return { kind: 'analytic', ...base };
  if (c.threads > 1) throw new UsageError(`${at('threads')}measured latency runs one measurement at a time: use --threads 0 (in-process) or 1`);
  return { kind: 'measured', ...base, seed: c.seed };
}

/**
 * --measure-on a,b: latency measured on each device by its workers; loss and the other device-independent metrics
 * from the roofline on the primary device (--device, --device-file, or else the first measured device), whose own
 * latencies are left out (search/evaluate/farm.ts).
 */
function farmSpecOf(c: StudyConfig, at: (key: string) => string, files: FileReaders): FarmSpec<EvaluatorSpec> {
  const refs = deviceList(c.measureOn!);
  if (refs.some((d) => d === '')) throw new UsageError(`${at('measureOn')}expected devices separated by commas, got '${c.measureOn}'`);
  if (c.devices !== undefined) throw new UsageError(`${at('measureOn')}a split over --devices is priced by the roofline; it is not measured on devices`);
  if (c.latency !== undefined && c.latency !== 'measured') throw new UsageError(`${at('latency')}--measure-on measures latency on each device; --latency ${c.latency} does not apply`);
  if (c.evaluator !== undefined && c.evaluator !== 'analytic' && c.evaluator !== 'measured') throw new UsageError(`${at('evaluator')}--measure-on measures latency on each device; drop --evaluator ${c.evaluator}`);
  const profiles = refs.map((ref) => orUsage(at, 'measureOn', () => files.device(ref)));
  for (const [k, p] of profiles.entries()) {
    if (!DEVICE_ID_PATTERN.test(p.id)) throw new UsageError(`${at('measureOn')}${refs[k]}: device id '${p.id}' cannot name a metric (letters, digits, '_', '.', '-')`);
    if (profiles.findIndex((q) => q.id === p.id) !== k) throw new UsageError(`${at('measureOn')}device '${p.id}' is named twice`);
  }
  const primary: DeviceProfile =
    c.deviceFile !== undefined ? orUsage(at, 'deviceFile', () => files.deviceFile(c.deviceFile!)) : c.device !== undefined ? orUsage(at, 'device', () => files.device(c.device!)) : profiles[0];
  const base = checkedLawFields(c, at, files);
  return {
    kind: 'farm',
    base: { kind: 'combined', parts: [{ kind: 'analytic', device: primary, ...base }], omit: [...ROOFLINE_LATENCY_METRICS] },
    measured: profiles.map((device) => ({ kind: 'measured', device, ...base, seed: c.seed, latencyOnly: true })),
  };
}

/** --latency predicted --predictor <dir> --predictor-device <name>: checks the adapted predictor exists now. */
function predictedSpecOf(c: StudyConfig, base: Omit<PredictedSpec, 'kind' | 'predictorDir' | 'predictorDevice'>, at: (key: string) => string): PredictedSpec {
  if (c.predictor === undefined) throw new UsageError(`${at('latency')}predicted latency needs --predictor <dir> (written by hwnas predictor meta-train)`);
  const predictorDevice = c.predictorDevice ?? c.device;
  if (predictorDevice === undefined) throw new UsageError(`${at('predictorDevice')}name the device the predictor was adapted to (hwnas predictor adapt --device)`);
  const adapted = adaptedDir(c.predictor, predictorDevice);
  if (!existsSync(adapted)) throw new UsageError(`${at('predictorDevice')}no predictor adapted to '${predictorDevice}' under ${c.predictor} (run hwnas predictor adapt --predictor ${c.predictor} --device ${predictorDevice} --samples <csv>)`);
  return { kind: 'predicted', ...base, predictorDir: c.predictor, predictorDevice };
}

/**
 * --latency table --device pixel2: HELP's measured latency of that device (a column of the shipped table) for
 * nb201 and fbnet. FLOPs, parameters and memory come from the lowering (priced on the reference profile, whose
 * energy is not the device's and is dropped).
 */
function helpTableSpecOf(c: StudyConfig, at: (key: string) => string, files: FileReaders): EvaluatorSpec {
  if (c.space !== 'nb201' && c.space !== 'fbnet') throw new UsageError(`${at('latency')}table latency is HELP's measurements, of nb201 and fbnet only, not ${spaceRefName(c.space)}`);
  const devices = loadHelpMeta(SHIPPED_HELP_META_FILE, c.space).devices;
  if (c.device === undefined || !devices.includes(c.device)) throw new UsageError(`${at('device')}${c.device === undefined ? 'required:' : `'${c.device}' is not`} a device of HELP's ${c.space} table; one of ${devices.join(', ')}`);
  const table = helpLatencySpec(c.space, c.device);
  const analytic: EvaluatorSpec = { kind: 'analytic', device: getDevice(ROOFLINE_REFERENCE_DEVICE), ...lawFields(c, files) };
  return { kind: 'combined', parts: [analytic, table], omit: ['energyJ'] };
}

/** hwnas's evaluator, then the shipped accuracy of an nb201 cell, then the study's own evaluators, as one spec. */
function composeSpec(base: EvaluatorSpec, extra: readonly EvaluatorSpec[]): EvaluatorSpec {
  if (extra.length === 0) return base;
  // A farm study's own evaluators run with its device-independent part.
  if (base.kind === 'farm') return { ...base, base: composeSpec(base.base, extra) };
  if (base.kind === 'combined') return { ...base, parts: [...base.parts, ...extra] };
  return { kind: 'combined', parts: [base, ...extra] };
}

/**
 * The metrics a study's objectives and constraints may name, with the declared directions: the built-in ones,
 * NAS-Bench-201's accuracies for nb201, what the study's own evaluators declare, and, for a study measured on
 * several devices (its evaluator spec tells which), each device's latencies.
 */
export function metricCatalog(
  c: Pick<StudyConfig, 'space' | 'evaluators' | 'seed'>,
  evaluator?: EvaluatorSpec,
  space?: SearchSpace,
): { known: string[]; directions: Record<string, Direction>; declared: MetricDeclaration[] } {
  // A CNN's measurement has no prefill or decode steps (told by the space, when given, from a sample).
  const llm = space === undefined || space.decode(space.sample(createRng(c.seed))).family === 'llm';
  const declared = [
    ...(c.space === 'nb201' ? nb201AccuracySpec().metrics : []),
    ...c.evaluators.flatMap((e) => e.metrics),
    ...(evaluator?.kind === 'farm' ? farmMetricDeclarations(evaluator, llm) : []),
  ].map((m) => ({ name: m.name, unit: m.unit, direction: m.direction }));
  return {
    known: [...new Set([...Object.keys(METRICS), ...declared.map((d) => d.name)])],
    directions: Object.fromEntries(declared.map((d) => [d.name, d.direction])),
    declared,
  };
}

/**
 * Resolves ids (space, strategy, metrics) and checks the strategy accepts its options. Writes nothing. `stored`:
 * what a study recorded when it began (resume, a worker taking a study over). Its `inputs`, the copies of the files
 * the config names, are read instead of the files, which are read now, once, for a new study. Its `evaluator` spec
 * is used as it is: its own evaluators' files are not read again here (they may not even be on this machine).
 */
export function resolveStudy(c: StudyConfig, sources: ConfigSources = {}, stored: { readonly inputs?: StudyInputs; readonly evaluator?: EvaluatorSpec } = {}): ResolvedStudy {
  const where = (key: string) => (sources.flagKeys?.has(key) || !sources.file ? `${flagOf(key)}: ` : `${sources.file}: ${key}: `);
  const inputs = stored.inputs ?? readStudyInputs(c, where);
  const files = fileReaders(inputs);
  const space = orUsage(where, 'space', () => studySpace(c, inputs));
  const strategy = orUsage(where, 'strategy', () => getStrategy(c.strategy));
  const user: UserEvaluatorSpec[] = stored.evaluator ? [] : orUsage(where, 'evaluators', () => userEvaluatorSpecs(c.evaluators, { space, spaceRef: c.space, threads: c.threads, timeoutMs: c.timeoutMs }));
  const shipped = c.space === 'nb201' ? [nb201AccuracySpec()] : [];
  const specNow = () => composeSpec(evaluatorSpecOf(c, where('evaluator'), where, files), [...shipped, ...user]);
  // A study measured on several devices declares each device's metrics: its spec is needed before its objectives.
  let evaluator = stored.evaluator ?? (c.measureOn !== undefined ? specNow() : undefined);
  const { known, directions, declared } = metricCatalog(c, evaluator, space);
  const objectives = orUsage(where, 'objectives', () => parseObjectives(c.objectives, known, directions));
  const constraints = orUsage(where, 'constraints', () => parseConstraints(c.constraints, known));
  // Bad strategy options surface now, not after the database was created.
  orUsage(where, 'strategyOptions', () => strategy.create({ space, objectiveCount: objectives.length, seed: c.seed, options: c.strategyOptions, objectives, constraints }));
  evaluator ??= specNow();
  const budget: Budget = {
    evaluations: c.evaluations,
    ...(c.wallTime !== undefined ? { wallTimeMs: parseDurationMs(c.wallTime) } : {}),
    ...(c.patience !== undefined ? { patience: c.patience } : {}),
  };
  return { config: c, name: c.name ?? defaultStudyName(c), space, strategy, objectives, constraints, evaluator, declared, budget, inputs };
}
