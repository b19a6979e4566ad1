/**
 * Measuring one architecture on this machine: build it as a tfjs model with random weights, time it (timer.ts),
 * dispose it. Everything a figure depends on is recorded with it.
 */
import type { Architecture } from '../../core/architecture.js';
import type { Rng } from '../../core/rng.js';
import type { Workload } from '../../core/workload.js';
import { initTf, tf, type TfBackendInfo } from '../tf-backend.js';
import { buildCnn } from './cnn-model.js';
import { buildLlm, unsupportedLlm } from './llm-model.js';
import { clockMs, defaultClock, machineInfo, timeIt, type MachineInfo, type Timing, type TimingOptions } from './timer.js';

export interface Measurement {
  /** Median end-to-end latency (LLM: prefill + every decode step; CNN: one forward pass), ms. */
  readonly latencyMs: number;
  readonly timing: Timing;
  /** LLM only: medians over the timed runs of the prefill and of one decode step. */
  readonly ttftMs?: number;
  readonly decodeMsPerToken?: number;
  readonly paramCount: number;
  readonly machine: MachineInfo;
}

export interface MeasureOptions {
  readonly workload: Workload;
  readonly timing?: Partial<TimingOptions>;
  readonly backend?: TfBackendInfo;
  /** Aborting it stops the measurement between two runs (the promise rejects with the signal's reason). */
  readonly signal?: AbortSignal;
}

const med = (v: number[]) => {
  const s = v.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Why `arch` cannot be measured under `workload`, or undefined. */
export function unsupportedReason(arch: Architecture, workload: Workload): string | undefined {
  if (arch.family === 'llm') return unsupportedLlm(arch, workload);
  if (arch.family === 'partitioned') return 'a model partitioned over several devices is priced (hwnas split), not measured on this machine';
  return undefined;
}

/** Builds, times and disposes one architecture (weights from `rng`). */
export async function measureArchitecture(arch: Architecture, rng: Rng, options: MeasureOptions): Promise<Measurement> {
  const backend = options.backend ?? (await initTf());
  const machine = machineInfo(backend);
  const timingOptions: Partial<TimingOptions> = { clock: defaultClock(backend), ...options.timing };
  const clock = clockMs(timingOptions.clock ?? 'wall');
  if (arch.family === 'llm') {
    const model = buildLlm(arch, options.workload, rng);
    try {
      const prefill: number[] = [];
      const decode: number[] = [];
      const timing = await timeIt(() => {
        const r = model.generate(clock);
        prefill.push(r.prefillMs);
        decode.push(r.decodeMs);
      }, timingOptions, undefined, options.signal);
      const steps = options.workload.generatedTokens;
      return {
        latencyMs: timing.valueMs,
        timing,
        ttftMs: med(prefill),
        decodeMsPerToken: steps > 0 ? med(decode) / steps : 0,
        paramCount: model.paramCount,
        machine,
      };
    } finally {
      model.dispose();
    }
  }
  if (arch.family === 'partitioned') throw new Error(unsupportedReason(arch, options.workload));
  const batch = options.workload.batch;
  const model = buildCnn(arch, rng, batch);
  try {
    const timing = await timeIt(() => model.forward(), timingOptions, undefined, options.signal);
    return { latencyMs: timing.valueMs, timing, paramCount: model.paramCount, machine };
  } finally {
    model.dispose();
  }
}

/** Live tensors (a leak check for tests and long measurement runs). */
export function liveTensors(): number {
  return tf.memory().numTensors;
}
