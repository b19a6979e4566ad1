import { nanMetrics, scoreMetrics, type Constraint, type Objective } from '../core/objectives.js';
import type { Genes } from '../core/space.js';
import type { EvaluationResult } from './evaluate/evaluator.js';
import type { FinishedCandidate } from './store/types.js';

/**
 * A candidate's row once evaluated, scored against the study's objectives and constraints: the one definition
 * that the study loop and the workers share, so a record does not depend on which process evaluated it. Literal
 * objects of one shape (an object spread here cost more than the store's insert).
 */
export function finishedRow(
  c: { readonly seq: number; readonly hash: string; readonly genes: Genes; readonly generation: number },
  res: EvaluationResult,
  evalMs: number,
  objectives: readonly Objective[],
  constraints: readonly Constraint[],
): FinishedCandidate {
  // A NaN objective or constraint metric is no result (a law out of its domain): the candidate fails, saying so.
  const nan = res.ok ? nanMetrics(res.metrics, objectives, constraints) : [];
  if (res.ok && nan.length === 0) {
    const score = scoreMetrics(res.metrics, objectives, constraints);
    return { seq: c.seq, hash: c.hash, genes: c.genes, generation: c.generation, status: 'done', metrics: res.metrics, objectives: score.objectives, violation: score.violation, error: undefined, evalMs };
  }
  return { seq: c.seq, hash: c.hash, genes: c.genes, generation: c.generation, status: 'failed', metrics: undefined, objectives: undefined, violation: undefined, error: res.ok ? `${nan.join(', ')} is NaN` : res.error, evalMs };
}
