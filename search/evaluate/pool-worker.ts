/** Piscina worker: rebuilds the evaluator from its spec once per thread, then evaluates one batch per task. */
import type { MessagePort } from 'node:worker_threads';
import type { Architecture } from '../../core/architecture.js';
import type { Genes } from '../../core/space.js';
import type { EvaluationResult, Evaluator } from './evaluator.js';
import { createEvaluator, type EvaluatorSpec } from './registry.js';

export interface PoolTask {
  readonly spec: EvaluatorSpec;
  readonly architectures: readonly Architecture[];
  readonly genes?: readonly Genes[];
  /**
   * Told 'setup' when this worker takes the task and 'evaluating' once its evaluator is ready: the pool's
   * per-candidate clock runs from the second, so loading a replacement worker's modules is not the candidate's time.
   */
  readonly started?: MessagePort;
}

const cache = new Map<string, Promise<Evaluator>>();

export default async function evaluateTask(task: PoolTask): Promise<EvaluationResult[]> {
  task.started?.postMessage('setup');
  const key = JSON.stringify(task.spec);
  let evaluator = cache.get(key);
  if (!evaluator) {
    evaluator = createEvaluator(task.spec);
    cache.set(key, evaluator);
  }
  const ready = await evaluator;
  task.started?.postMessage('evaluating');
  task.started?.close();
  return ready.evaluate(task.architectures, task.genes);
}
