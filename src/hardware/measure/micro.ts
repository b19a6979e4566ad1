/**
 * Operator micro-benchmarks on the active tfjs backend: what the roofline's three numbers mean on this machine.
 * - matmuls over a range of shapes → attainable FLOP/s (the best large-shape rate);
 * - memory-bound operations (matrix–vector products over weights larger than the last-level cache, as a decode
 *   step does, and large element-wise adds) → attainable bandwidth;
 * - a chain of tiny operators with one read-back at the end → the fixed cost per operator.
 * Each figure is timed with timer.ts (rounds, quietest kept) and the one read-back of each run is priced by the
 * overhead benchmark and subtracted, so that rates are not diluted by synchronisation.
 */
import { initTf, tf } from '../tf-backend.js';
import { defaultClock, timeIt, type Timing, type TimingOptions } from './timer.js';

export type MicroKind = 'matmul' | 'matvec' | 'elementwise' | 'overhead' | 'sync';

export interface MicroResult {
  readonly name: string;
  readonly kind: MicroKind;
  /** Work of one timed run. */
  readonly flops: number;
  readonly bytes: number;
  /** Operators launched per run. */
  readonly ops: number;
  readonly timing: Timing;
  /** Attained rates over the run (after subtracting the read-back); 0 where meaningless. */
  readonly flopsPerS: number;
  readonly bytesPerS: number;
}

export interface MicroPlan {
  /** [M, K, N] of the compute-bound matmuls. */
  readonly matmuls: readonly (readonly [number, number, number])[];
  /** [K, N] of the 1×K · K×N products (weights read once). */
  readonly matvecs: readonly (readonly [number, number])[];
  /** Elements of the a + b adds. */
  readonly elementwise: readonly number[];
  /** Tiny operators per overhead chain. */
  readonly overheadChain: number;
  /** Repetitions of each op inside one timed run (amortises the read-back). */
  readonly repeat: number;
}

/**
 * The default plan: ~20–40 s on a 2-core machine under load. The matmuls span prefill-like (64–128 rows) to square
 * shapes; the matrix–vector weights span cache-resident (16 MiB) to DRAM-sized (64 MiB) operands.
 */
export const DEFAULT_MICRO_PLAN: MicroPlan = {
  matmuls: [
    [64, 512, 1536],
    [128, 1024, 1024],
    [256, 1024, 1024],
    [512, 512, 512],
  ],
  matvecs: [
    [1024, 4096],
    [4096, 4096],
  ],
  elementwise: [1 << 22],
  overheadChain: 200,
  repeat: 3,
};

/** A plan of tiny operands, for tests (seconds). */
export const TINY_MICRO_PLAN: MicroPlan = {
  matmuls: [
    [32, 64, 64],
    [64, 128, 128],
  ],
  matvecs: [[256, 512]],
  elementwise: [1 << 16],
  overheadChain: 50,
  repeat: 2,
};

export async function runMicroBenchmarks(plan: MicroPlan = DEFAULT_MICRO_PLAN, timingIn: Partial<TimingOptions> = {}, log?: (line: string) => void): Promise<MicroResult[]> {
  const timing: Partial<TimingOptions> = { clock: defaultClock(await initTf()), ...timingIn };
  const out: MicroResult[] = [];
  const push = (r: MicroResult) => {
    out.push(r);
    log?.(`${r.name}: ${r.timing.medianMs.toFixed(3)} ms (spread ${(r.timing.spread * 100).toFixed(0)}%, ${r.timing.rounds} round(s))` + (r.flopsPerS ? `, ${(r.flopsPerS / 1e9).toFixed(2)} GFLOP/s` : '') + (r.bytesPerS ? `, ${(r.bytesPerS / 1e9).toFixed(2)} GB/s` : ''));
  };

  // One read-back of a small tensor: paid once per timed run below and subtracted.
  const small = tf.ones([8]);
  const sync = await timeIt(() => small.dataSync(), { ...timing, runs: Math.max(15, timing.runs ?? 0) });
  push({ name: 'sync', kind: 'sync', flops: 0, bytes: 0, ops: 0, timing: sync, flopsPerS: 0, bytesPerS: 0 });
  const syncMs = sync.medianMs;

  // Fixed cost per operator: a dependent chain of adds on 8 elements, one read-back.
  const chain = plan.overheadChain;
  const ov = await timeIt(() => {
    tf.tidy(() => {
      let x: tf.Tensor = small;
      for (let i = 0; i < chain; i++) x = tf.add(x, small);
      x.dataSync();
    });
  }, timing);
  push({ name: `overhead x${chain}`, kind: 'overhead', flops: 8 * chain, bytes: 0, ops: chain, timing: ov, flopsPerS: 0, bytesPerS: 0 });

  // Seconds of work in a timed run: the read-back is not the op's work. (The ops' own launch cost stays in: it is
  // small beside these operands, and subtracting noisy estimates could leave nothing.)
  const workS = (t: Timing) => Math.max(t.medianMs - syncMs, 0.5 * t.medianMs) / 1e3;

  const timeOp = async (name: string, kind: MicroKind, flops: number, bytes: number, make: () => tf.Tensor) => {
    const r = plan.repeat;
    const t = await timeIt(() => {
      tf.tidy(() => {
        let last: tf.Tensor | undefined;
        for (let i = 0; i < r; i++) last = make();
        (last as tf.Tensor).slice([0], [1]).dataSync();
      });
    }, timing);
    const s = workS(t);
    push({ name, kind, flops: flops * r, bytes: bytes * r, ops: r, timing: t, flopsPerS: kind === 'matmul' ? (flops * r) / s : 0, bytesPerS: kind === 'matmul' ? 0 : (bytes * r) / s });
  };

  for (const [m, k, n] of plan.matmuls) {
    const a = tf.randomNormal([m, k]) as tf.Tensor2D;
    const b = tf.randomNormal([k, n]) as tf.Tensor2D;
    await timeOp(`matmul ${m}x${k}x${n}`, 'matmul', 2 * m * k * n, 4 * (m * k + k * n + m * n), () => tf.matMul(a, b).reshape([-1]));
    a.dispose();
    b.dispose();
  }
  for (const [k, n] of plan.matvecs) {
    const a = tf.randomNormal([1, k]) as tf.Tensor2D;
    const b = tf.randomNormal([k, n]) as tf.Tensor2D;
    await timeOp(`matvec 1x${k}x${n}`, 'matvec', 2 * k * n, 4 * (k + k * n + n), () => tf.matMul(a, b).reshape([-1]));
    a.dispose();
    b.dispose();
  }
  for (const n of plan.elementwise) {
    const a = tf.randomNormal([n]);
    const b = tf.randomNormal([n]);
    await timeOp(`add ${n}`, 'elementwise', n, 12 * n, () => tf.add(a, b));
    a.dispose();
    b.dispose();
  }
  small.dispose();
  return out;
}
