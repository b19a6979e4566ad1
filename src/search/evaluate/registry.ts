import type { Evaluator } from './evaluator.js';
import { createAnalyticEvaluator, type AnalyticSpec } from './analytic.js';
import { createSlowTestEvaluator, type SlowTestSpec } from './slow-test.js';

/**
 * How to build an evaluator, as plain serialisable data: a study records it, and a worker thread rebuilds the
 * evaluator from it. Add a kind: one member here and one entry in BUILDERS.
 */
export type EvaluatorSpec = AnalyticSpec | SlowTestSpec;

export type EvaluatorKind = EvaluatorSpec['kind'];

type Builder<K extends EvaluatorKind> = (spec: Extract<EvaluatorSpec, { kind: K }>) => Promise<Evaluator>;

// Static imports: under tsx on Node 20 a worker thread shares the main thread's loader hooks for its static
// import graph, but a dynamic import of a .ts file inside the worker fails. Keep builders light to import.
const BUILDERS: { [K in EvaluatorKind]: Builder<K> } = {
  analytic: async (spec) => createAnalyticEvaluator(spec),
  'slow-test': async (spec) => createSlowTestEvaluator(spec),
};

export const EVALUATOR_KINDS = Object.keys(BUILDERS) as EvaluatorKind[];

export async function createEvaluator(spec: EvaluatorSpec): Promise<Evaluator> {
  const build = BUILDERS[spec.kind] as Builder<EvaluatorKind> | undefined;
  if (!build) throw new Error(`unknown evaluator kind '${(spec as { kind: string }).kind}'; valid: ${EVALUATOR_KINDS.join(', ')}`);
  return build(spec);
}
