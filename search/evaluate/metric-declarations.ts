/**
 * Metrics a user's evaluator declares (name, unit, direction): they become objectives and constraints like the
 * built-in ones, and every candidate's output is checked against them.
 */
import { z } from 'zod';
import type { Direction } from '../../core/objectives.js';

export interface MetricDeclaration {
  /** The metric's name in records, objectives and constraints (e.g. cifar10Accuracy). */
  readonly name: string;
  /** For people: '%', 'ms', 'GPU-h', or '' for a plain number. */
  readonly unit: string;
  /** Whether larger is better; the objective's default direction. */
  readonly direction: Direction;
}

export const METRIC_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const metricDeclarationSchema = z.strictObject({
  name: z.string().regex(METRIC_NAME, 'a metric name is letters, digits and underscores, starting with a letter'),
  unit: z.string().default(''),
  direction: z.enum(['min', 'max']).default('min'),
});

/** `--metric max:cifar10Accuracy:%`, `--metric trainHours:h`, `--metric score` → a declaration ([min|max:]name[:unit]). */
export function parseMetricFlag(text: string): MetricDeclaration {
  const m = /^(?:(min|max):)?([^:]+)(?::(.*))?$/.exec(text.trim());
  if (!m || !METRIC_NAME.test(m[2])) throw new Error(`expected [min|max:]<name>[:<unit>] with a name of letters, digits and underscores, got '${text}'`);
  return { name: m[2], unit: m[3] ?? '', direction: (m[1] as Direction | undefined) ?? 'min' };
}

/**
 * The declared metrics read from one candidate's output (a parsed JSON object): every declared metric must be a
 * finite number; other numeric fields are kept too (they appear in exports), anything else is ignored.
 * Returns the metrics, or the reason the output is unusable.
 */
export function metricsFromOutput(output: unknown, declared: readonly MetricDeclaration[]): { metrics: Record<string, number> } | { error: string } {
  if (output === null || typeof output !== 'object' || Array.isArray(output)) return { error: `expected a JSON object of metrics, got ${Array.isArray(output) ? 'an array' : JSON.stringify(output)}` };
  const record = output as Record<string, unknown>;
  const metrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(record)) if (typeof v === 'number' && Number.isFinite(v)) metrics[k] = v;
  const missing = declared.filter((d) => !(d.name in metrics));
  if (missing.length > 0) {
    const what = missing.map((d) => (d.name in record ? `'${d.name}' is ${JSON.stringify(record[d.name])}, not a finite number` : `no '${d.name}'`)).join('; ');
    return { error: `declared metric missing from the output: ${what} (got ${Object.keys(record).join(', ') || 'nothing'})` };
  }
  return { metrics };
}
