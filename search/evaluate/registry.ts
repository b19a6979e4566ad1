import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Evaluator } from './evaluator.js';
import { createAnalyticEvaluator, type AnalyticSpec } from './analytic.js';
import { combineEvaluators, type CombinedSpec } from './combined.js';
import type { CommandSpec } from './command.js';
import type { FarmSpec } from './farm.js';
import type { MeasuredSpec } from './measured.js';
import type { ModuleSpec } from './module.js';
import type { PredictedSpec } from './predicted.js';
import { createSlowTestEvaluator, type SlowTestSpec } from './slow-test.js';
import type { TableSpec } from './table.js';
import { createSplitEvaluator, type SplitSpec } from './split.js';

/**
 * How to build an evaluator, as plain serialisable data: a study records it, and a worker thread rebuilds the
 * evaluator from it. Add a kind: one member here and one entry in BUILDERS.
 */
export type EvaluatorSpec = AnalyticSpec | SlowTestSpec | MeasuredSpec | PredictedSpec | CommandSpec | ModuleSpec | TableSpec | SplitSpec | CombinedSpec<EvaluatorSpec> | FarmSpec<EvaluatorSpec>;

/** The kinds a user brings (their metrics are declared, not probed). */
export type UserEvaluatorSpec = CommandSpec | ModuleSpec | TableSpec;

export type EvaluatorKind = EvaluatorSpec['kind'];

type Builder<K extends EvaluatorKind> = (spec: Extract<EvaluatorSpec, { kind: K }>) => Promise<Evaluator>;

/**
 * A sibling module loaded on first use. Under tsx on Node 20 a worker thread loads its modules through tsx's
 * require hook, and a dynamic import() of a .ts file there fails with ERR_UNKNOWN_FILE_EXTENSION: then require it.
 */
async function sibling<T>(name: string): Promise<T> {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const url = new URL(`./${name}${ext}`, import.meta.url);
  try {
    return (await import(url.href)) as T;
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
    return createRequire(import.meta.url)(fileURLToPath(url)) as T;
  }
}

const BUILDERS: { [K in EvaluatorKind]: Builder<K> } = {
  analytic: async (spec) => createAnalyticEvaluator(spec),
  'slow-test': async (spec) => createSlowTestEvaluator(spec),
  split: async (spec) => createSplitEvaluator(spec),
  // TensorFlow.js is loaded only by studies that measure.
  measured: async (spec) => (await sibling<typeof import('./measured.js')>('measured')).createMeasuredEvaluator(spec),
  predicted: async (spec) => (await sibling<typeof import('./predicted.js')>('predicted')).createPredictedEvaluator(spec),
  command: async (spec) => (await sibling<typeof import('./command.js')>('command')).createCommandEvaluator(spec),
  module: async (spec) => (await sibling<typeof import('./module.js')>('module')).createModuleEvaluator(spec),
  table: async (spec) => (await sibling<typeof import('./table.js')>('table')).createTableEvaluator(spec),
  combined: async (spec) => {
    const parts: Evaluator[] = [];
    try {
      for (const part of spec.parts) parts.push(await createEvaluator(part));
    } catch (error) {
      await Promise.all(parts.map((p) => p.close?.()));
      throw error;
    }
    return combineEvaluators(parts, spec.omit);
  },
  // Its parts are evaluated by workers, each by the device it needs (search/worker.ts, search/study-session.ts).
  farm: async (spec) => {
    throw new Error(`a study measured on several devices (${spec.measured.map((m) => m.device.id).join(', ')}) is evaluated by workers on a server, each part on its device`);
  },
};

export const EVALUATOR_KINDS = Object.keys(BUILDERS) as EvaluatorKind[];

/** The spec and, for a combined or farm one, its parts, depth first. */
export function specParts(spec: EvaluatorSpec): EvaluatorSpec[] {
  if (spec.kind === 'farm') return [spec, ...specParts(spec.base), ...spec.measured];
  return spec.kind === 'combined' ? [spec, ...spec.parts.flatMap(specParts)] : [spec];
}

/** How a study's loss is priced by hwnas's law: the law and the tokens it is read at. */
export type LossPricing = Pick<AnalyticSpec, 'law' | 'lawText' | 'trainingTokens' | 'precisionLoss'>;

/**
 * The part of a study's evaluator that prices its loss by hwnas's law (analytic, measured, predicted, split), if
 * any: at the top of a plain study, inside a combined one (the law beside your own evaluators) or a farm's base.
 */
export function lossPricingPart(spec: EvaluatorSpec): LossPricing | undefined {
  return specParts(spec).find((p): p is Extract<EvaluatorSpec, { law: string }> => 'law' in p && typeof p.law === 'string');
}

/** The part that prices on one device profile (analytic, measured, predicted), if any. */
export function devicePricingPart(spec: EvaluatorSpec): Pick<AnalyticSpec, 'device' | 'workload' | 'mode'> | undefined {
  return specParts(spec).find((p): p is Extract<EvaluatorSpec, { device: unknown }> => 'device' in p && p.device !== undefined);
}

export async function createEvaluator(spec: EvaluatorSpec): Promise<Evaluator> {
  const build = BUILDERS[spec.kind] as Builder<EvaluatorKind> | undefined;
  if (!build) throw new Error(`unknown evaluator kind '${(spec as { kind: string }).kind}'; valid: ${EVALUATOR_KINDS.join(', ')}`);
  return build(spec);
}
