/**
 * A study measured on several devices at once (search --measure-on a,b): each candidate is evaluated in parts,
 * one task per part on a server's queue. Part 0 (any worker) gives the device-independent metrics: loss,
 * parameters, FLOPs and the user's own evaluators, priced by the roofline on the study's primary device (whose
 * latencies are left out: they would read as measured ones). Part k ≥ 1 is the latency measured on device k by a
 * worker that is that device (hwnas worker --device-file). Once every part is recorded the coordinator merges them:
 * a measured metric is named after its device, `latencyMs@pixel7`, so objectives and constraints can name each
 * device (`loss,latency@jetson-orin-nano,latency@raspberry-pi-5`, `latency@raspberry-pi-5<=200`).
 */
import type { Metrics } from '../../core/metrics.js';
import type { MetricDeclaration } from './metric-declarations.js';
import type { EvaluationResult } from './evaluator.js';
import type { MeasuredSpec } from './measured.js';

export interface FarmSpec<Base = unknown> {
  readonly kind: 'farm';
  /** Part 0: the device-independent metrics (the analytic evaluator, with the study's own evaluators). */
  readonly base: Base;
  /** Parts 1…n: the latency measured on each device, in order (each with `latencyOnly`). */
  readonly measured: readonly MeasuredSpec[];
}

/** What the measured evaluator gives with `latencyOnly`: each is named after its device in a farm study. */
export const MEASURED_METRICS = ['latencyMs', 'latencySpread', 'latencyRounds', 'latencyStable', 'analyticLatencyMs', 'ttftMs', 'decodeMsPerToken', 'tokensPerS'] as const;

/** The latencies part 0 leaves out: the roofline's on the primary device, not a measurement. */
export const ROOFLINE_LATENCY_METRICS = ['latencyMs', 'ttftMs', 'decodeMsPerToken', 'tokensPerS'] as const;

const UNITS: Readonly<Record<(typeof MEASURED_METRICS)[number], string>> = {
  latencyMs: 'ms',
  latencySpread: '',
  latencyRounds: '',
  latencyStable: '',
  analyticLatencyMs: 'ms',
  ttftMs: 'ms',
  decodeMsPerToken: 'ms',
  tokensPerS: 'tokens/s',
};

/** A device id that can follow '@' in a metric name (objectives and constraints read it back). */
export const DEVICE_ID_PATTERN = /^[\w.-]+$/;

export const deviceMetric = (metric: string, device: string): string => `${metric}@${device}`;

/** The devices of a farm study's parts: null (any worker) for part 0, then each measured device. */
export function farmPartDevices(spec: FarmSpec): (string | null)[] {
  return [null, ...spec.measured.map((m) => m.device.id)];
}

/** What evaluates part `part` of a farm study's candidates. */
export function farmPartSpec<Base>(spec: FarmSpec<Base>, part: number): Base | MeasuredSpec {
  if (part === 0) return spec.base;
  const measured = spec.measured[part - 1];
  if (!measured) throw new Error(`part ${part} of a study measured on ${spec.measured.length} device(s)`);
  return measured;
}

/** What only a language model's measurement gives (a prefill, decode steps). */
const LLM_ONLY: ReadonlySet<string> = new Set(['ttftMs', 'decodeMsPerToken', 'tokensPerS']);

/** The per-device metrics of a study measured on these devices, with their directions; `llm`: a language model space. */
export function deviceMetricDeclarations(deviceIds: readonly string[], llm = true): MetricDeclaration[] {
  return deviceIds.flatMap((id) =>
    MEASURED_METRICS.filter((metric) => llm || !LLM_ONLY.has(metric)).map((metric) => ({ name: deviceMetric(metric, id), unit: UNITS[metric], direction: metric === 'tokensPerS' ? ('max' as const) : ('min' as const) })),
  );
}

/** The per-device metrics a farm study's objectives and constraints may name. */
export function farmMetricDeclarations(spec: FarmSpec, llm = true): MetricDeclaration[] {
  return deviceMetricDeclarations(spec.measured.map((m) => m.device.id), llm);
}

/**
 * One candidate's parts merged into its result: part 0's metrics as they are, each device's under its own name. A
 * candidate fails if any part failed, saying on which device.
 */
export function mergeFarmParts(spec: FarmSpec, parts: readonly EvaluationResult[]): EvaluationResult {
  const devices = farmPartDevices(spec);
  const metrics: Record<string, number> = {};
  for (let k = 0; k < parts.length; k++) {
    const part = parts[k];
    if (!part.ok) return { ok: false, error: k === 0 ? part.error : `on ${devices[k]}: ${part.error}` };
    if (k === 0) Object.assign(metrics, part.metrics);
    else for (const [name, value] of Object.entries(part.metrics as Metrics)) metrics[deviceMetric(name, devices[k]!)] = value;
  }
  return { ok: true, metrics };
}
