/**
 * Measuring a set of architectures in passes (the protocol of experiments/local-accuracy): every architecture
 * once per pass, each architecture's lowest figure kept. Passes alternate their order (forward, backward, then
 * rotated), so that a burst of load from other work hits different architectures in different passes and no
 * architecture is always measured right after the same neighbour; a quiet check runs before each measurement.
 */
import type { Architecture } from '../../core/architecture.js';
import type { Rng } from '../../core/rng.js';
import type { Workload } from '../../core/workload.js';
import type { TfBackendInfo } from '../tf-backend.js';
import { tf } from '../tf-backend.js';
import { measureArchitecture, type Measurement } from './measure.js';
import { clockMs, defaultClock, QuietGate, type QuietCheck, type TimingOptions } from './timer.js';

export interface PassRow<A extends Architecture> {
  readonly key: string;
  readonly arch: A;
  /** The measurement with the lowest latency over the passes. */
  readonly measured: Measurement;
  /** Every pass's figure, in pass order. */
  readonly passesMs: number[];
  /** The quiet check before the kept measurement. */
  readonly quiet: QuietCheck;
}

/** A quiet check: a fixed matmul probe; while it runs more than 15% slower than its best, wait 200 ms (3 probes at most). */
export function matmulQuietGate(backend: TfBackendInfo): QuietGate {
  const a = tf.randomNormal([32, 256]) as tf.Tensor2D;
  const b = tf.randomNormal([256, 256]) as tf.Tensor2D;
  return new QuietGate(() => tf.tidy(() => tf.matMul(a, b).dataSync()), clockMs(defaultClock(backend)), { tolerance: 1.15, maxProbes: 3, pauseMs: 200 });
}

export interface PassOptions {
  readonly passes: number;
  readonly gate: QuietGate;
  /** Random weights of every model built. */
  readonly weights: Rng;
  readonly timing: Partial<TimingOptions>;
  readonly backend: TfBackendInfo;
  readonly workload: (arch: Architecture) => Workload;
  /** Called after every 20th measurement of a pass. */
  readonly onProgress?: (pass: number, done: number) => void;
  /** Called with the time each quiet check waited. */
  readonly onQuiet?: (check: QuietCheck) => void;
}

export async function measureInPasses<A extends Architecture>(archs: readonly { key: string; arch: A }[], o: PassOptions): Promise<PassRow<A>[]> {
  const out: PassRow<A>[] = new Array(archs.length);
  for (let pass = 0; pass < o.passes; pass++) {
    const order = archs.map((_, i) => i);
    if (pass % 2 === 1) order.reverse();
    if (pass >= 2) order.push(...order.splice(0, Math.floor((pass * archs.length) / o.passes)));
    for (let j = 0; j < order.length; j++) {
      const i = order[j];
      const { key, arch } = archs[i];
      const quiet = await o.gate.wait();
      o.onQuiet?.(quiet);
      const measured = await measureArchitecture(arch, o.weights, { workload: o.workload(arch), timing: o.timing, backend: o.backend });
      if (!out[i]) out[i] = { key, arch, measured, passesMs: [measured.latencyMs], quiet };
      else {
        const passesMs = [...out[i].passesMs, measured.latencyMs];
        out[i] = measured.latencyMs < out[i].measured.latencyMs ? { key, arch, measured, passesMs, quiet } : { ...out[i], passesMs };
      }
      if ((j + 1) % 20 === 0) o.onProgress?.(pass, j + 1);
    }
  }
  return out;
}
