/**
 * Operator micro-benchmarks on the active tfjs backend: what the roofline's numbers mean on this machine, measured
 * on the shapes the models run (a runtime reaches different rates on different shape classes):
 * - matrix–matrix products at prefill shapes (64 rows: the prompt; model widths) → attainable FLOP/s;
 * - matrix–vector products at decode shapes (one row; model widths), cycling over distinct weights as a decode step
 *   does (each weight read once, not from cache) → the decode-step matmul rate (runtime extension
 *   decodeMatmulEfficiency);
 * - attention blocks as the measured decoder runs them (batched score matmul, scale, causal mask, softmax, context
 *   matmul; tfjs-wasm runs batched matmuls on a slower path than 2-D ones, and one KV head makes them 2-D) → the
 *   attention rates, counted in the lowering's FLOPs (causal pairs only) (runtime extension attentionEfficiency,
 *   and singleBatchAttentionEfficiency from the one-KV-head blocks);
 * - element-wise chains on model-sized activations (a prefill's [64, width]) → the element-wise bandwidth
 *   (runtime extension elementwiseMemoryEfficiency);
 * - depthwise convolutions as the measured CNNs run them (fused bias and ReLU, 'same' padding) at MnasNet's layer
 *   shapes, each at k3 and k5 → the depthwise FLOP rate of a forward pass (runtime extension
 *   depthwiseConvEfficiency);
 * - memory-bound operations (matrix–vector products over weights larger than the last-level cache and large
 *   element-wise adds) → attainable bandwidth;
 * - a chain of tiny operators with one read-back at the end → the fixed cost per operator; a chain of the small
 *   kernels a decoder launches (reshape, slice, multiply, add, on one row of a model's width) → the fixed cost
 *   per kernel, which the runtime extension's kernel counts multiply.
 * Each figure is timed with timer.ts (rounds, quietest kept; the depthwise shapes in interleaved rounds,
 * interleaved.ts) and the one read-back of each run is priced by the overhead benchmark and subtracted, so that
 * rates are not diluted by synchronisation.
 */
import { uniformLayers, type LlmArchitecture } from '../../core/architecture.js';
import { lowerLlm } from '../../core/lower-llm.js';
import { createRng } from '../../core/rng.js';
import type { Workload } from '../../core/workload.js';
import { kernelsOf } from '../roofline.js';
import { initTf, tf } from '../tf-backend.js';
import { buildLlm } from './llm-model.js';
import { TFJS_LLM_KERNELS_PER_OP } from './tfjs-kernels.js';
import { timeInterleaved } from './interleaved.js';
import { defaultClock, timeIt, type Timing, type TimingOptions } from './timer.js';

export type MicroKind = 'matmul' | 'gemv' | 'attention' | 'matvec' | 'elementwise' | 'small-elementwise' | 'depthwise' | 'overhead' | 'kernels' | 'decoder-probe' | 'sync';

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
  /** [K, N] of the 1×K · K×N products (weights read once) that measure bandwidth (DRAM-sized weights). */
  readonly matvecs: readonly (readonly [number, number])[];
  /** [K, N] of the 1×K · K×N products at decode shapes (their FLOP rate); none: no decode-matmul rate. */
  readonly gemvs?: readonly (readonly [number, number])[];
  /** [heads, kvHeads] of prefill attention blocks (head dim 64, attentionTokens tokens) as the measured decoder runs them. */
  readonly attention?: readonly (readonly [number, number])[];
  readonly attentionTokens?: number;
  /** [rows, width] of the element-wise chains at model sizes (a multiply by a row and an add, as norms and RoPE). */
  readonly smallElementwise?: readonly (readonly [number, number])[];
  /** [input side, channels, stride] of the depthwise convolutions, each timed at 3×3 and 5×5; none: no depthwise rate. */
  readonly depthwise?: readonly (readonly [number, number, number])[];
  /**
   * The depthwise convolutions are timed in interleaved rounds of a few runs, each shape keeping its quietest round
   * (interleaved.ts): how many rounds, and timed runs per round (default DEFAULT_DEPTHWISE_ROUNDS).
   */
  readonly depthwiseRounds?: { readonly rounds: number; readonly runs: number };
  /**
   * Layers of the decoder probe: a decoder of width 64 (one head, FFN 64, vocabulary 64; prompt 8, 8 generated)
   * built by llm-model.ts, whose work is negligible, so its time over the kernels it launches (tfjs-kernels.ts)
   * is the fixed cost per kernel inside a real generation (engine dispatch, tidy, allocation). 0/absent: none.
   */
  readonly decoderProbeLayers?: number;
  /** Kernels per model-like kernel chain (reshape, slice, multiply, add on [1, width]); 0 or absent: none. */
  readonly kernelChain?: number;
  /** Row width of the kernel chain's operands. */
  readonly kernelChainWidth?: number;
  /** Elements of the a + b adds. */
  readonly elementwise: readonly number[];
  /** Tiny operators per overhead chain. */
  readonly overheadChain: number;
  /** Repetitions of each op inside one timed run (amortises the read-back). */
  readonly repeat: number;
}

/**
 * Interleaved rounds of the depthwise convolutions: 12 rounds of 3 timed runs. On this loaded shared host the
 * kernel's quiet stretches lasted tens of milliseconds (a round of 3 runs fits in one) and came every few seconds
 * (12 rounds of every shape span a couple of seconds); experiments/mnasnet-latency/depthwise-spread.ts measures it.
 */
export const DEFAULT_DEPTHWISE_ROUNDS = { rounds: 12, runs: 3 } as const;

/**
 * The default plan: ~20–40 s on a 2-core machine under load. The matmuls span prefill-like (64–128 rows) to square
 * shapes; the matrix–vector weights span cache-resident (16 MiB) to DRAM-sized (64 MiB) operands.
 */
export const DEFAULT_MICRO_PLAN: MicroPlan = {
  matmuls: [
    [64, 256, 768],
    [64, 384, 1536],
    [64, 512, 2048],
    [64, 2048, 512],
  ],
  matvecs: [
    [1024, 4096],
    [4096, 4096],
  ],
  gemvs: [
    [256, 768],
    [384, 1536],
    [512, 2048],
    [2048, 512],
    [512, 4096],
  ],
  attention: [
    [4, 1],
    [8, 1],
    [4, 2],
    [6, 3],
    [8, 2],
    [8, 8],
  ],
  attentionTokens: 64,
  smallElementwise: [
    [64, 256],
    [64, 512],
  ],
  // MobileNetV2's and MnasNet-A1's depthwise layers (the expanded channels of an MBConv6 at 112, 56, 14 and 7 pixels;
  // the first layer of a block has stride 2), each at both kernel sizes of the space.
  depthwise: [
    [112, 96, 2],
    [56, 144, 1],
    [14, 480, 1],
    [14, 672, 2],
    [7, 960, 1],
  ],
  elementwise: [1 << 22],
  overheadChain: 200,
  kernelChain: 240,
  kernelChainWidth: 384,
  decoderProbeLayers: 4,
  repeat: 3,
};

/** A plan of tiny operands, for tests (seconds). */
export const TINY_MICRO_PLAN: MicroPlan = {
  matmuls: [
    [32, 64, 64],
    [64, 128, 128],
  ],
  matvecs: [[256, 512]],
  gemvs: [[128, 256]],
  attention: [
    [2, 1],
    [2, 2],
  ],
  attentionTokens: 16,
  smallElementwise: [[16, 64]],
  depthwise: [[14, 32, 1]],
  depthwiseRounds: { rounds: 2, runs: 3 },
  elementwise: [1 << 16],
  overheadChain: 50,
  kernelChain: 40,
  kernelChainWidth: 64,
  decoderProbeLayers: 1,
  repeat: 2,
};

export async function runMicroBenchmarks(plan: MicroPlan = DEFAULT_MICRO_PLAN, timingIn: Partial<TimingOptions> = {}, log?: (line: string) => void): Promise<MicroResult[]> {
  const timing: Partial<TimingOptions> = { clock: defaultClock(await initTf()), ...timingIn };
  const out: MicroResult[] = [];
  const push = (r: MicroResult) => {
    out.push(r);
    log?.(`${r.name}: ${r.timing.valueMs.toFixed(3)} ms (spread ${(r.timing.spread * 100).toFixed(0)}%, ${r.timing.rounds} round(s))` + (r.flopsPerS ? `, ${(r.flopsPerS / 1e9).toFixed(2)} GFLOP/s` : '') + (r.bytesPerS ? `, ${(r.bytesPerS / 1e9).toFixed(2)} GB/s` : ''));
  };

  // One read-back of a small tensor: paid once per timed run below and subtracted.
  const small = tf.ones([8]);
  const sync = await timeIt(() => small.dataSync(), { ...timing, runs: Math.max(15, timing.runs ?? 0) });
  push({ name: 'sync', kind: 'sync', flops: 0, bytes: 0, ops: 0, timing: sync, flopsPerS: 0, bytesPerS: 0 });
  const syncMs = sync.valueMs;

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

  // Fixed cost per kernel of a decoder: the small kernels it launches between its matmuls, on one row of a model's
  // width (a reshape, a slice, a multiply and an add per group of four; one read-back).
  const kc = plan.kernelChain ?? 0;
  let kernelMs = 0;
  if (kc > 0) {
    const w = plan.kernelChainWidth ?? 384;
    const row = tf.randomNormal([1, 2 * w]) as tf.Tensor2D;
    const scale = tf.randomNormal([1, w]) as tf.Tensor2D;
    const groups = Math.max(1, Math.round(kc / 4));
    const kt = await timeIt(() => {
      tf.tidy(() => {
        let x: tf.Tensor2D = row;
        for (let i = 0; i < groups; i++) {
          const h = tf.slice(x.reshape([2 * w]), [0], [w]).reshape([1, w]);
          x = tf.concat([tf.add(tf.mul(h, scale), h), h], 1) as tf.Tensor2D; // 6 kernels a group
        }
        x.dataSync();
      });
    }, timing);
    push({ name: `kernels x${groups * 6}`, kind: 'kernels', flops: 0, bytes: 0, ops: groups * 6, timing: kt, flopsPerS: 0, bytesPerS: 0 });
    kernelMs = Math.max(0, (kt.valueMs - syncMs) / (groups * 6));
    row.dispose();
    scale.dispose();
  }

  // Fixed cost per kernel inside a generation: a decoder whose work is negligible, timed whole.
  const probeLayers = plan.decoderProbeLayers ?? 0;
  if (probeLayers > 0) {
    const arch: LlmArchitecture = {
      family: 'llm',
      vocabSize: 64,
      hiddenSize: 64,
      heads: 1,
      kvHeads: 1,
      headDim: 64,
      mlp: { kind: 'dense', intermediateSize: 64, gated: true },
      layers: uniformLayers(probeLayers),
      tiedEmbeddings: false,
      qkvBias: false,
      qkNorm: false,
      precision: { weights: 'fp32', activations: 'fp32', kvCache: 'fp32' },
    };
    const workload: Workload = { batch: 1, promptTokens: 8, generatedTokens: 8 };
    const table = { runtime: { kernelsPerOp: TFJS_LLM_KERNELS_PER_OP } } as Parameters<typeof kernelsOf>[1];
    let kernels = 0;
    for (const op of lowerLlm(arch, workload)) kernels += op.count * kernelsOf(op, table) * (op.phase === 'decode' ? workload.generatedTokens : 1);
    const model = buildLlm(arch, workload, createRng('decoder-probe'));
    const t = await timeIt(() => model.generate(), timing);
    model.dispose();
    // One read-back per generated token (the greedy sampler) and one after the prefill.
    push({ name: `decoder probe l${probeLayers} d64 (${kernels} kernels)`, kind: 'decoder-probe', flops: 0, bytes: 0, ops: kernels, timing: { ...t, valueMs: Math.max(0, t.valueMs - (workload.generatedTokens + 1) * syncMs) }, flopsPerS: 0, bytesPerS: 0 });
  }

  // Seconds of work in a timed run: neither the read-back nor the fixed cost of the run's kernels (from the kernel
  // chain, when measured) is the op's work — the roofline adds the latter back per kernel, and at decode shapes it
  // is a large part of a matrix–vector product's time. Never below half the run (noisy estimates).
  const workS = (t: Timing, kernels: number) => Math.max(t.valueMs - syncMs - kernels * kernelMs, 0.5 * t.valueMs) / 1e3;

  // One timed run of an op: `repeat` of them, one read-back.
  const repeated = (make: () => tf.Tensor) => () => {
    tf.tidy(() => {
      let last: tf.Tensor | undefined;
      for (let i = 0; i < plan.repeat; i++) last = make();
      (last as tf.Tensor).slice([0], [1]).dataSync();
    });
  };
  const pushOp = (name: string, kind: MicroKind, flops: number, bytes: number, t: Timing) => {
    const r = plan.repeat;
    const s = workS(t, 2 * r + 1); // each repeat: the op and a reshape; one slice before the read-back
    const compute = kind === 'matmul' || kind === 'depthwise';
    push({ name, kind, flops: flops * r, bytes: bytes * r, ops: r, timing: t, flopsPerS: compute ? (flops * r) / s : 0, bytesPerS: compute ? 0 : (bytes * r) / s });
  };
  const timeOp = async (name: string, kind: MicroKind, flops: number, bytes: number, make: () => tf.Tensor) => pushOp(name, kind, flops, bytes, await timeIt(repeated(make), timing));

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
  // Decode-shape products over distinct weights (≥ 32 MiB in all, beyond the last-level cache), each read once.
  for (const [k, n] of plan.gemvs ?? []) {
    const a = tf.randomNormal([1, k]) as tf.Tensor2D;
    const copies = Math.max(plan.repeat, Math.ceil((32 * 2 ** 20) / (4 * k * n)));
    const bs = Array.from({ length: copies }, () => tf.randomNormal([k, n]) as tf.Tensor2D);
    const t = await timeIt(() => {
      tf.tidy(() => {
        let last: tf.Tensor | undefined;
        for (const b of bs) last = tf.matMul(a, b).reshape([-1]);
        (last as tf.Tensor).slice([0], [1]).dataSync();
      });
    }, timing);
    const s = workS(t, 2 * copies + 1);
    push({ name: `gemv 1x${k}x${n} x${copies} weights`, kind: 'gemv', flops: 2 * k * n * copies, bytes: 4 * k * n * copies, ops: copies, timing: t, flopsPerS: (2 * k * n * copies) / s, bytesPerS: 0 });
    a.dispose();
    bs.forEach((b) => b.dispose());
  }
  // Prefill attention blocks as llm-model.ts runs them; rate in the lowering's FLOPs (scores and context over the
  // causal pairs only, 2·heads·64 each per pair), after the fixed cost of the block's 7 kernels.
  const S = plan.attentionTokens ?? 64;
  for (const [H, KV] of plan.attention ?? []) {
    const g = H / KV;
    const hd = 64;
    const qh = tf.randomNormal([KV, g * S, hd]) as tf.Tensor3D;
    const kT = tf.randomNormal([KV, hd, S]) as tf.Tensor3D;
    const v = tf.randomNormal([KV, S, hd]) as tf.Tensor3D;
    const mask = tf.tidy(() => tf.mul(tf.cast(tf.greater(tf.range(0, S).reshape([1, S]), tf.range(0, S).reshape([S, 1])), 'float32'), -1e9));
    const r = plan.repeat;
    const t = await timeIt(() => {
      tf.tidy(() => {
        let last: tf.Tensor | undefined;
        for (let i = 0; i < r; i++) {
          const scores = tf.add(tf.mul(tf.matMul(qh, kT), 1 / 8).reshape([KV, g, S, S]), mask).reshape([KV, g * S, S]);
          last = tf.matMul(tf.softmax(scores) as tf.Tensor3D, v).reshape([-1]);
        }
        (last as tf.Tensor).slice([0], [1]).dataSync();
      });
    }, timing);
    const pairs = (S * (S + 1)) / 2;
    const flops = 4 * H * hd * pairs * r;
    const s = workS(t, 8 * r + 1);
    push({ name: `attention h${H} kv${KV} s${S}`, kind: 'attention', flops, bytes: 0, ops: 8 * r, timing: t, flopsPerS: flops / s, bytesPerS: 0 });
    [qh, kT, v, mask].forEach((x) => x.dispose());
  }
  // Element-wise work at model sizes: y = x·w + x (w a row, as a norm's weight), chained.
  for (const [rows, width] of plan.smallElementwise ?? []) {
    const x0 = tf.randomNormal([rows, width]);
    const w = tf.randomNormal([width]);
    const chain = 8;
    const t = await timeIt(() => {
      tf.tidy(() => {
        let x: tf.Tensor = x0;
        for (let i = 0; i < chain; i++) x = tf.add(tf.mul(x, w), x);
        x.slice([0, 0], [1, 1]).dataSync();
      });
    }, timing);
    const bytes = chain * 2 * 3 * 4 * rows * width; // each op reads two operands and writes one (the row is cached)
    const s = workS(t, 2 * chain + 1);
    push({ name: `elementwise ${rows}x${width} x${2 * chain}`, kind: 'small-elementwise', flops: 2 * chain * rows * width, bytes, ops: 2 * chain, timing: t, flopsPerS: 0, bytesPerS: bytes / s });
    x0.dispose();
    w.dispose();
  }
  // Depthwise convolutions as cnn-model.ts runs them (bias and ReLU fused), in the lowering's FLOPs (2·k²·C per
  // output pixel) and bytes (filter and bias, input, output). Timed in short interleaved rounds, each shape keeping
  // its quietest (interleaved.ts): on a shared host other work slows this kernel ~3× (a matmul ~1.35×) for seconds
  // at a time, evenly enough to pass timeIt's spread check, and its quiet stretches are short.
  const depthwise: { name: string; flops: number; bytes: number; run: () => void; tensors: tf.Tensor[] }[] = [];
  for (const [side, c, stride] of plan.depthwise ?? []) {
    const x = tf.randomNormal([1, side, side, c]) as tf.Tensor4D;
    const bias = tf.randomNormal([c]) as tf.Tensor1D;
    const out = Math.ceil(side / stride);
    for (const k of [3, 5]) {
      const filter = tf.randomNormal([k, k, c, 1]) as tf.Tensor4D;
      depthwise.push({
        name: `depthwise ${side}x${side}x${c} k${k} s${stride}`,
        flops: 2 * k * k * c * out * out,
        bytes: 4 * (k * k * c + c + c * side * side + c * out * out),
        run: repeated(() => tf.fused.depthwiseConv2d({ x, filter, bias, strides: stride, pad: 'same', activation: 'relu' }).reshape([-1])),
        tensors: k === 5 ? [filter, x, bias] : [filter],
      });
    }
  }
  if (depthwise.length > 0) {
    const { rounds, runs } = plan.depthwiseRounds ?? DEFAULT_DEPTHWISE_ROUNDS;
    const timings = await timeInterleaved(depthwise.map((d) => d.run), rounds, { ...timing, runs });
    depthwise.forEach((d, i) => pushOp(d.name, 'depthwise', d.flops, d.bytes, timings[i]));
    depthwise.forEach((d) => d.tensors.forEach((t) => t.dispose()));
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
