import { createHash } from 'node:crypto';
import { isMainThread } from 'node:worker_threads';
import type { Architecture } from '../../core/architecture.js';
import type { EvaluationResult, Evaluator } from './evaluator.js';

/**
 * A test evaluator with a chosen CPU cost per candidate, for measuring the pool and for exercising failures.
 * Its metrics are synthetic: deterministic functions of a hash of the architecture (so that a candidate always
 * gets the same values, in any process and any batch), shaped as a loss/latency trade-off so that a study has
 * a real frontier. They say nothing about any real model.
 */
export interface SlowTestSpec {
  readonly kind: 'slow-test';
  /** Wall time burnt per candidate (busy arithmetic, not sleep, so threads compete for cores as real work does). */
  readonly costMs: number;
  /**
   * Instead of a time, a fixed amount of arithmetic per candidate (square roots): the same work however busy the
   * machine is, which is what a speedup measurement needs.
   */
  readonly iterations?: number;
  /**
   * Wall time waited per candidate without using the CPU, after its cost: an evaluation done elsewhere (a training
   * job, a device), which is what a study spread over workers on several machines waits for.
   */
  readonly sleepMs?: number;
  /** Share of candidates (chosen by hash, so always the same ones) that throw, hang forever, or kill their thread. */
  readonly faults?: { readonly throwRate?: number; readonly hangRate?: number; readonly crashRate?: number };
}

/** A number in [0, 1) fixed by the text and a salt. */
function hash01(text: string, salt: string): number {
  const h = createHash('sha256').update(salt).update('\0').update(text).digest();
  return h.readUInt32BE(0) / 2 ** 32;
}

/** `n` square roots, whose sum is used so that they cannot be optimised away. */
function work(n: number): number {
  let acc = 0;
  for (let i = 1; i <= n; i++) acc += Math.sqrt(i);
  return acc;
}

/** Burns `ms` of CPU on arithmetic whose result is used, so it cannot be optimised away. */
function burn(ms: number): number {
  const end = performance.now() + ms;
  let acc = 0;
  let i = 0;
  while (performance.now() < end) {
    for (let k = 0; k < 1000; k++) acc += Math.sqrt(++i);
  }
  return acc;
}

export function slowTestMetrics(arch: Architecture): Record<string, number> {
  const key = JSON.stringify(arch);
  const a = hash01(key, 'a');
  const b = hash01(key, 'b');
  return {
    loss: 2 + a,
    latencyMs: 1 + 10 * (1 - a) * (0.5 + b),
    memoryBytes: Math.round(1e6 * (1 + 9 * hash01(key, 'm'))),
  };
}

/** Which injected fault (if any) this architecture triggers. */
export function faultOf(arch: Architecture, faults: SlowTestSpec['faults'] = {}): 'crash' | 'hang' | 'throw' | undefined {
  const u = hash01(JSON.stringify(arch), 'fault');
  const c = faults.crashRate ?? 0;
  const h = faults.hangRate ?? 0;
  const t = faults.throwRate ?? 0;
  return u < c ? 'crash' : u < c + h ? 'hang' : u < c + h + t ? 'throw' : undefined;
}

export function createSlowTestEvaluator(spec: SlowTestSpec): Evaluator {
  const faults = spec.faults ?? {};
  let sink = 0;
  return {
    id: spec.iterations !== undefined ? `slow-test(${spec.iterations} iterations)` : `slow-test(${spec.costMs}ms)`,
    async evaluate(architectures: readonly Architecture[]): Promise<EvaluationResult[]> {
      const out: EvaluationResult[] = [];
      for (const arch of architectures) {
        const fault = faultOf(arch, faults);
        if (fault === 'crash') {
          // Kills the worker thread as a native crash would; in the main thread it must not take the study down.
          if (!isMainThread) process.exit(70);
          out.push({ ok: false, error: 'slow-test: crash (in-process, not fatal)' });
          continue;
        }
        if (fault === 'hang') await new Promise<never>(() => {});
        sink += spec.iterations !== undefined ? work(spec.iterations) : burn(spec.costMs);
        if (spec.sleepMs) await new Promise((r) => setTimeout(r, spec.sleepMs));
        if (fault === 'throw') {
          out.push({ ok: false, error: 'slow-test: injected failure' });
          continue;
        }
        out.push({ ok: true, metrics: slowTestMetrics(arch) });
      }
      if (sink === -1) console.log(sink);
      return out;
    },
  };
}
