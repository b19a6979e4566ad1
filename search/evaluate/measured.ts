import type { Architecture } from '../../core/architecture.js';
import type { Metrics } from '../../core/metrics.js';
import { createRng } from '../../core/rng.js';
import { measureArchitecture } from '../../hardware/measure/measure.js';
import type { TimingOptions } from '../../hardware/measure/timer.js';
import { analyticMetrics, lawOfSpec, type AnalyticSpec } from './analytic.js';
import type { EvaluationResult, Evaluator } from './evaluator.js';

/**
 * The measured evaluator: every candidate is built as a TensorFlow.js model with random weights and timed on this
 * machine (hardware/measure). Latency metrics are the measurement; the rest (loss, memory, parameters, FLOPs,
 * energy) come from the analytic evaluator on `device`, so objectives such as loss,latency still work.
 *
 * Measurements are kept apart: parallel measurements slow each other down, so
 * - within a process, every measurement waits for the previous one (one queue per process, below), whatever the
 *   batch or the caller;
 * - across processes of one study, the study runs this evaluator in-process or in a pool of exactly one worker
 *   thread (study-config refuses more), so there is never a second measurement in flight.
 * Other programs on the machine are outside our control: the timer's stability rounds handle them.
 */
export interface MeasuredSpec extends Omit<AnalyticSpec, 'kind'> {
  readonly kind: 'measured';
  readonly timing?: Partial<TimingOptions>;
  /** Seed of the random weights (they do not change the timing, but the run is reproducible). */
  readonly seed?: number;
  /** Only what was measured (and the roofline's latency beside it): one device's part of a farm study (farm.ts). */
  readonly latencyOnly?: boolean;
}

let queue: Promise<unknown> = Promise.resolve();

/** Runs `fn` after every measurement queued before it in this process. */
function oneAtATime<T>(fn: () => Promise<T>): Promise<T> {
  const run = queue.then(fn, fn);
  queue = run.catch(() => undefined);
  return run;
}

export function createMeasuredEvaluator(spec: MeasuredSpec): Evaluator {
  const law = lawOfSpec(spec);
  const analytic: AnalyticSpec = { ...spec, kind: 'analytic' };
  const rng = createRng(`measured-${spec.seed ?? 0}`);
  const workload = spec.workload;
  async function one(arch: Architecture, signal: AbortSignal | undefined): Promise<EvaluationResult> {
    try {
      const base = analyticMetrics(arch, analytic, law);
      const m = await oneAtATime(() => {
        signal?.throwIfAborted();
        return measureArchitecture(arch, rng, { workload: arch.family === 'llm' ? workload : { ...workload, promptTokens: 0, generatedTokens: 0 }, ...(spec.timing ? { timing: spec.timing } : {}), ...(signal ? { signal } : {}) });
      });
      const metrics: Record<string, number> = {
        ...(spec.latencyOnly ? {} : base),
        latencyMs: m.latencyMs,
        latencySpread: m.timing.spread,
        latencyRounds: m.timing.rounds,
        latencyStable: m.timing.stable ? 1 : 0,
        analyticLatencyMs: base.latencyMs ?? Number.NaN,
      };
      if (m.ttftMs !== undefined) metrics.ttftMs = m.ttftMs;
      if (m.decodeMsPerToken !== undefined) {
        metrics.decodeMsPerToken = m.decodeMsPerToken;
        metrics.tokensPerS = m.decodeMsPerToken > 0 ? (1000 * workload.batch) / m.decodeMsPerToken : 0;
      }
      return { ok: true, metrics: metrics as Metrics };
    } catch (error) {
      // A stop is not a failure of the candidate: it is abandoned, and measured again on resume.
      if (signal?.aborted) throw signal.reason;
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  }
  return {
    id: 'measured',
    async evaluate(archs, _genes, options = {}): Promise<EvaluationResult[]> {
      const out: EvaluationResult[] = [];
      for (const arch of archs) out.push(await one(arch, options.signal));
      return out;
    },
  };
}
