import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { Architecture } from '../../core/architecture.js';
import type { Genes } from '../../core/space.js';
import type { EvaluateOptions, EvaluationResult, Evaluator } from './evaluator.js';
import type { PoolTask } from './pool-worker.js';
import type { EvaluatorSpec } from './registry.js';
import { FALLBACK_TIMEOUT_MS_PER_CANDIDATE } from './timeouts.js';
import { threadEntry } from '../thread-entry.js';

/** The least time a worker has to build its evaluator (load modules, run a module's setup()). */
const SETUP_TIMEOUT_MS = 120_000;

/** A caller's stop signal and the tasks it aborts (those in flight). */
interface Stop {
  readonly signal: AbortSignal;
  readonly tasks: Set<AbortController>;
}

export interface PoolOptions {
  readonly spec: EvaluatorSpec;
  /** Worker threads. */
  readonly threads: number;
  /** Candidates per task: one task pays piscina's ~50 µs overhead once for all of them. */
  readonly chunkSize?: number;
  /**
   * Time allowed per candidate; a task gets chunk length × this before its worker is terminated. Default
   * FALLBACK_TIMEOUT_MS_PER_CANDIDATE: a task never waits forever.
   */
  readonly timeoutMsPerCandidate?: number;
}

const workerFile = threadEntry(import.meta.url, 'pool-worker');

function describeFailure(error: unknown, timeoutMs: number | undefined): string {
  const e = error as { name?: string; message?: string } | undefined;
  if (e?.name === 'AbortError' || /aborted/i.test(e?.message ?? '')) return `timed out after ${timeoutMs} ms`;
  const message = e?.message ?? String(error);
  return /exit|terminat/i.test(message) ? `worker died: ${message}` : message;
}

/**
 * Evaluation in worker threads. A task that throws, times out or kills its worker is retried once candidate by
 * candidate, so the failure lands on the candidates that cause it — and each candidate's outcome does not depend
 * on which others shared its task (a resumed study chunks differently and must get the same results).
 * Piscina replaces a worker that died or was terminated.
 */
export class PoolEvaluator implements Evaluator {
  readonly id: string;
  private readonly pool: Piscina;
  private readonly chunkSize: number;
  // Tasks in flight are capped at the thread count, so a task's timeout starts when a worker takes it, not
  // while it waits in piscina's queue.
  private running = 0;
  private startError: string | undefined;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly options: PoolOptions) {
    this.id = `pool(${options.threads})`;
    this.chunkSize = Math.max(1, options.chunkSize ?? 16);
    this.pool = new Piscina({
      filename: workerFile.url.href,
      minThreads: options.threads,
      maxThreads: options.threads,
      idleTimeout: 60_000,
      ...(workerFile.execArgv ? { execArgv: workerFile.execArgv } : {}),
    });
    // A worker that cannot start fails the tasks given to it; without a listener the error would end the process.
    this.pool.on('error', (error: unknown) => {
      this.startError = error instanceof Error ? error.message : String(error);
    });
  }

  /** The last error a worker reported outside any task (e.g. one that could not start), for diagnostics. */
  get lastWorkerError(): string | undefined {
    return this.startError;
  }

  get threads(): number {
    return this.pool.threads.length;
  }

  private async slot<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.options.threads) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      return await fn();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  /**
   * The clock starts when the worker's evaluator is ready (it says so on a port), so neither the queue nor the
   * start-up of a replacement worker counts against the candidate; building the evaluator has a limit of its own
   * (at least SETUP_TIMEOUT_MS), so a setup that hangs still fails the task.
   */
  private async runTimed(task: PoolTask, timeoutMs: number, stop: Stop | undefined): Promise<EvaluationResult[]> {
    const controller = new AbortController();
    stop?.tasks.add(controller);
    // Queued behind other tasks past the stop: abandoned before it starts.
    if (stop?.signal.aborted) controller.abort(stop.signal.reason);
    const { port1, port2 } = new MessageChannel();
    let timer: NodeJS.Timeout | undefined;
    port1.on('message', (phase: string) => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => controller.abort(), phase === 'setup' ? Math.max(timeoutMs, SETUP_TIMEOUT_MS) : timeoutMs);
    });
    try {
      return (await this.pool.run({ ...task, started: port2 }, { signal: controller.signal, transferList: [port2] })) as EvaluationResult[];
    } finally {
      if (timer) clearTimeout(timer);
      port1.close();
      stop?.tasks.delete(controller);
    }
  }

  private async runTask(architectures: readonly Architecture[], genes: readonly Genes[] | undefined, stop: Stop | undefined): Promise<EvaluationResult[]> {
    const signal = stop?.signal;
    const timeoutMs = (this.options.timeoutMsPerCandidate ?? FALLBACK_TIMEOUT_MS_PER_CANDIDATE) * architectures.length;
    const task: PoolTask = { spec: this.options.spec, architectures, ...(genes ? { genes } : {}) };
    try {
      signal?.throwIfAborted();
      const results = await this.slot(() => this.runTimed(task, timeoutMs, stop));
      if (!Array.isArray(results) || results.length !== architectures.length) {
        throw new Error(`evaluator returned ${Array.isArray(results) ? results.length : typeof results} results for ${architectures.length}`);
      }
      return results;
    } catch (error) {
      // Abandoned by the caller (a stop): no result, the worker was terminated.
      if (signal?.aborted) throw signal.reason;
      const reason = describeFailure(error, timeoutMs);
      if (architectures.length === 1) return [{ ok: false, error: reason }];
      return (await Promise.all(architectures.map((a, i) => this.runTask([a], genes && [genes[i]], stop)))).flat();
    }
  }

  async evaluate(architectures: readonly Architecture[], genes?: readonly Genes[], options: EvaluateOptions = {}): Promise<EvaluationResult[]> {
    const starts: number[] = [];
    // Spread work over every thread even when the batch is small.
    const size = Math.max(1, Math.min(this.chunkSize, Math.ceil(architectures.length / this.options.threads)));
    for (let i = 0; i < architectures.length; i += size) starts.push(i);
    // One listener on the caller's signal for the whole call, aborting every task in flight (a listener per task
    // would pile up past Node's limit of 10 on a batch of many chunks).
    const signal = options.signal;
    const stop: Stop | undefined = signal ? { signal, tasks: new Set() } : undefined;
    const onAbort = () => {
      for (const c of stop!.tasks) c.abort(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return (await Promise.all(starts.map((i) => this.runTask(architectures.slice(i, i + size), genes?.slice(i, i + size), stop)))).flat();
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

export function createPoolEvaluator(options: PoolOptions): PoolEvaluator {
  return new PoolEvaluator(options);
}

/**
 * In-process evaluation with the same failure isolation as the pool: a batch that throws is retried candidate by
 * candidate, and a candidate that does not settle within the time limit (default
 * FALLBACK_TIMEOUT_MS_PER_CANDIDATE) is marked failed (its promise is abandoned; synchronous code cannot be
 * interrupted in-process — use the pool for evaluators that may spin).
 */
export async function evaluateGuarded(
  evaluator: Evaluator,
  architectures: readonly Architecture[],
  timeoutMsPerCandidate: number = FALLBACK_TIMEOUT_MS_PER_CANDIDATE,
  genes?: readonly Genes[],
  signal?: AbortSignal,
): Promise<EvaluationResult[]> {
  const attempt = async (archs: readonly Architecture[], g: readonly Genes[] | undefined): Promise<EvaluationResult[]> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      signal?.throwIfAborted();
      const work = evaluator.evaluate(archs, g, signal ? { signal } : {});
      const results = await Promise.race([
        work,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMsPerCandidate * archs.length} ms`)), timeoutMsPerCandidate * archs.length);
        }),
      ]);
      if (results.length !== archs.length) throw new Error(`evaluator returned ${results.length} results for ${archs.length}`);
      return results;
    } catch (error) {
      // A stop abandons the batch: it is neither a failure nor recorded.
      if (signal?.aborted) throw signal.reason;
      if (archs.length === 1) return [{ ok: false, error: error instanceof Error ? error.message : String(error) }];
      const out: EvaluationResult[] = [];
      for (let i = 0; i < archs.length; i++) out.push(...(await attempt([archs[i]], g && [g[i]])));
      return out;
    } finally {
      if (timer) clearTimeout(timer);
    }
  };
  if (evaluator instanceof PoolEvaluator) return evaluator.evaluate(architectures, genes, signal ? { signal } : {});
  return architectures.length === 0 ? [] : attempt(architectures, genes);
}
