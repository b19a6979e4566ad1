/**
 * Objectives and constraints over evaluator metrics: parsing the user's specs (`loss,latency`,
 * `max:tokensPerS`, `decodeMsPerToken<=20`, `memory<=8GB`) and turning a Metrics record into what a strategy
 * sees — a minimisation vector and a total normalised constraint violation.
 */
import { UsageError } from './usage-error.js';
import { METRICS, type Metrics } from './metrics.js';
import { didYouMean } from './suggest.js';

export type Direction = 'min' | 'max';

export interface Objective {
  /** Metric name as in METRICS (aliases resolved). */
  readonly metric: string;
  readonly direction: Direction;
}

export type ConstraintOp = '<=' | '>=';

export interface Constraint {
  readonly metric: string;
  readonly op: ConstraintOp;
  /** In the metric's own unit (bytes, ms, J, ...). */
  readonly budget: number;
  /** The spec as the user wrote it, for messages. */
  readonly text: string;
}

/** Short names users type, mapped onto metric names. */
export const METRIC_ALIASES: Readonly<Record<string, string>> = {
  latency: 'latencyMs',
  ttft: 'ttftMs',
  tpot: 'decodeMsPerToken',
  memory: 'memoryBytes',
  energy: 'energyJ',
  throughput: 'tokensPerS',
  weights: 'weightsBytes',
};

/** Metrics that are better when larger; every other metric is minimised unless `max:` says otherwise. */
const MAXIMISED_BY_DEFAULT: ReadonlySet<string> = new Set(['tokensPerS', 'requestsPerS']);

function validMetricsText(known: readonly string[]): string {
  return `valid metrics: ${known.join(', ')} (aliases: ${Object.entries(METRIC_ALIASES)
    .map(([a, m]) => `${a}→${m}`)
    .join(', ')})`;
}

/**
 * A metric name with its alias resolved; `latency@pixel7` → `latencyMs@pixel7` (a metric measured on one device of
 * a study measured on several: see search/evaluate/farm.ts).
 */
function aliased(token: string): string {
  const base = baseMetric(token);
  return `${METRIC_ALIASES[base] ?? base}${token.slice(base.length)}`;
}

/** The metric a per-device name is of: `latencyMs@pixel7` → `latencyMs`. */
export function baseMetric(metric: string): string {
  const at = metric.indexOf('@');
  return at < 0 ? metric : metric.slice(0, at);
}

function resolveMetric(token: string, known: readonly string[]): string {
  const name = aliased(token);
  if (!known.includes(name)) throw new UsageError(`unknown metric '${token}'${didYouMean(token, [...known, ...Object.keys(METRIC_ALIASES)])}; ${validMetricsText(known)}`);
  return name;
}

/** The direction a metric is optimised in when the spec does not say (`max:` / `min:`). */
export function defaultDirection(metric: string): Direction {
  return MAXIMISED_BY_DEFAULT.has(baseMetric(metric)) ? 'max' : 'min';
}

/**
 * `loss,latency` → [{loss, min}, {latencyMs, min}]. A `max:` or `min:` prefix sets the direction; otherwise the
 * metric's declared direction (`directions`: a user's evaluator declares its metrics), tokensPerS is maximised and
 * every other metric minimised. `known` defaults to the metric names in METRICS. Errors name no flag: the caller
 * says where the spec came from.
 */
export function parseObjectives(spec: string, known: readonly string[] = Object.keys(METRICS), directions: Readonly<Record<string, Direction>> = {}): Objective[] {
  const tokens = spec.split(',').map((t) => t.trim());
  if (tokens.length === 0 || tokens.every((t) => t === '')) {
    throw new UsageError(`empty; give metrics separated by commas, e.g. loss,latency; ${validMetricsText(known)}`);
  }
  const out: Objective[] = [];
  for (const token of tokens) {
    if (token === '') throw new UsageError(`empty entry in '${spec}'`);
    const m = /^(?:(min|max):)?\s*(.+)$/.exec(token)!;
    const metric = resolveMetric(m[2].trim(), known);
    const direction: Direction = (m[1] as Direction | undefined) ?? directions[metric] ?? defaultDirection(metric);
    if (out.some((o) => o.metric === metric)) throw new UsageError(`'${token}' repeats metric ${metric}`);
    out.push({ metric, direction });
  }
  return out;
}

/** Unit suffixes accepted on budgets, by the unit of the metric they apply to, as multipliers to that unit. */
const UNITS: readonly { readonly applies: (metric: string) => boolean; readonly units: Readonly<Record<string, number>> }[] = [
  {
    applies: (m) => /Bytes$/.test(m),
    units: { B: 1, kB: 1e3, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40 },
  },
  { applies: (m) => /Ms(PerToken)?$/.test(m), units: { us: 1e-3, µs: 1e-3, ms: 1, s: 1e3 } },
  { applies: (m) => /J$/.test(m), units: { mJ: 1e-3, J: 1, kJ: 1e3 } },
];

/** `decodeMsPerToken<=20`, `memory<=8GB`, `tokensPerS>=30` (also ≤ and ≥). */
export function parseConstraint(spec: string, known: readonly string[] = Object.keys(METRICS)): Constraint {
  const text = spec.trim();
  const m = /^([A-Za-z_]\w*(?:@[\w.-]+)?)\s*(<=|>=|≤|≥)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-zµ]*)$/.exec(text);
  if (!m) {
    throw new UsageError(`cannot read '${spec}'; expected <metric><=<number>[unit] or <metric>>=<number>[unit], e.g. decodeMsPerToken<=20 or memory<=8GB`);
  }
  let metric: string;
  try {
    metric = resolveMetric(m[1], known);
  } catch (error) {
    throw new UsageError(`'${text}': ${(error as Error).message}`);
  }
  const op: ConstraintOp = m[2] === '<=' || m[2] === '≤' ? '<=' : '>=';
  let budget = Number(m[3]);
  const unit = m[4];
  if (unit) {
    const table = UNITS.find((u) => u.applies(baseMetric(metric)))?.units;
    const factor = table?.[unit];
    if (factor === undefined) {
      const valid = table ? `valid units for ${metric}: ${Object.keys(table).join(', ')}` : `${metric} takes a plain number`;
      throw new UsageError(`'${text}': unknown unit '${unit}'; ${valid}`);
    }
    budget *= factor;
  }
  if (!Number.isFinite(budget)) throw new UsageError(`'${text}': budget is not a finite number`);
  return { metric, op, budget, text };
}

export function parseConstraints(specs: readonly string[], known: readonly string[] = Object.keys(METRICS)): Constraint[] {
  return specs.map((s) => parseConstraint(s, known));
}

/** A metric value, or NaN when the evaluator did not produce it. */
function valueOf(metrics: Metrics, metric: string): number {
  const v = metrics[metric];
  return typeof v === 'number' ? v : NaN;
}

/**
 * Violation of one constraint, normalised by the budget: max(0, (value − budget) / |budget|) for ≤ and
 * max(0, (budget − value) / |budget|) for ≥ (a budget of 0 normalises by 1). A missing or NaN value counts as
 * Infinity, so the candidate is treated like a failed one.
 */
export function constraintViolation(metrics: Metrics, c: Constraint): number {
  const v = valueOf(metrics, c.metric);
  if (Number.isNaN(v)) return Infinity;
  const scale = c.budget === 0 ? 1 : Math.abs(c.budget);
  const excess = c.op === '<=' ? v - c.budget : c.budget - v;
  return excess > 0 ? excess / scale : 0;
}

/** Σ over constraints of their normalised violation; 0 means feasible. */
export function totalViolation(metrics: Metrics, constraints: readonly Constraint[]): number {
  let total = 0;
  for (const c of constraints) total += constraintViolation(metrics, c);
  return total;
}

/** The minimisation vector: maximised metrics are negated; a missing or NaN metric becomes Infinity. */
export function objectiveVector(metrics: Metrics, objectives: readonly Objective[]): number[] {
  return objectives.map((o) => {
    const v = valueOf(metrics, o.metric);
    if (Number.isNaN(v)) return Infinity;
    return o.direction === 'max' ? -v : v;
  });
}

/** What a strategy is told about one evaluated candidate. */
export function scoreMetrics(
  metrics: Metrics,
  objectives: readonly Objective[],
  constraints: readonly Constraint[],
): { objectives: number[]; violation: number } {
  return { objectives: objectiveVector(metrics, objectives), violation: totalViolation(metrics, constraints) };
}

/** Metric names the objectives and constraints need but `metrics` lacks (for a clear error before a long run). */
export function missingMetrics(metrics: Metrics, objectives: readonly Objective[], constraints: readonly Constraint[]): string[] {
  const needed = [...objectives.map((o) => o.metric), ...constraints.map((c) => c.metric)];
  return [...new Set(needed)].filter((m) => typeof metrics[m] !== 'number');
}

/** Metric names the objectives and constraints need whose value is NaN (a broken law or evaluator: never a result). */
export function nanMetrics(metrics: Metrics, objectives: readonly Objective[], constraints: readonly Constraint[]): readonly string[] {
  // Called for every candidate a study evaluates: no allocation unless something is NaN.
  let out: string[] | undefined;
  const check = (m: string) => {
    if (Number.isNaN(metrics[m]) && !out?.includes(m)) (out ??= []).push(m);
  };
  for (const o of objectives) check(o.metric);
  for (const c of constraints) check(c.metric);
  return out ?? NONE;
}
const NONE: readonly string[] = [];

/** The line for a metric that came out NaN: a loss law's formula out of its domain, or an evaluator's fault. */
export function nanMetricMessage(metric: string, lossLaw: string, candidate: string): string {
  return metric === 'loss'
    ? `--loss-law: ${lossLaw} gives loss NaN for ${candidate}; check its formula and parameters`
    : `the evaluator gives ${metric} NaN for ${candidate}`;
}

function percent(x: number): string {
  return `${(x * 100).toPrecision(3)}%`;
}

/**
 * One line saying why a frontier is empty. `evaluated` holds the metrics of every evaluated candidate (null for
 * a failed evaluation). Returns null when some candidate is feasible.
 */
export function emptyFrontierReason(evaluated: readonly (Metrics | null)[], constraints: readonly Constraint[]): string | null {
  const n = evaluated.length;
  if (n === 0) return 'no candidate was evaluated';
  let best: Metrics | null = null;
  let bestTotal = Infinity;
  for (const m of evaluated) {
    if (!m) continue;
    const total = totalViolation(m, constraints);
    if (total <= 0) return null;
    if (total < bestTotal) {
      bestTotal = total;
      best = m;
    }
  }
  if (!best) {
    const failed = evaluated.filter((m) => !m).length;
    if (failed === n) return `no feasible candidate among ${n} evaluated: every evaluation failed`;
    return `no feasible candidate among ${n} evaluated: every candidate lacks a constrained metric (${constraints.map((c) => c.metric).join(', ')})`;
  }
  const parts = constraints
    .map((c) => ({ c, v: constraintViolation(best!, c) }))
    .filter((x) => x.v > 0)
    .sort((a, b) => b.v - a.v)
    .map(({ c, v }) => `${c.text} by ${percent(v)} (${c.metric} = ${formatValue(valueOf(best!, c.metric))})`);
  return `no feasible candidate among ${n} evaluated; the smallest violation (total ${percent(bestTotal)}) was on ${parts.join(' and ')}`;
}

function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1e6 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : String(Number(v.toPrecision(5)));
}
