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
  /** Told when this worker starts the task: the pool's timeout runs from then. */
  readonly started?: MessagePort;
}

const cache = new Map<string, Promise<Evaluator>>();

export default async function evaluateTask(task: PoolTask): Promise<EvaluationResult[]> {
  task.started?.postMessage('start');
  task.started?.close();
  const key = JSON.stringify(task.spec);
  let evaluator = cache.get(key);
  if (!evaluator) {
    evaluator = createEvaluator(task.spec);
    cache.set(key, evaluator);
  }
  return (await evaluator).evaluate(task.architectures, task.genes);
}
