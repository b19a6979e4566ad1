import { weightPrecision, type DecoderLayer, type LlmArchitecture, type TokenMixer, type WeightClass } from './architecture.js';
import { linearMixerInnerChannels, MAMBA2_CONV_KERNEL, mamba2Dims, SHORT_CONV_KERNEL } from './params.js';
import { BYTES_PER_ELEMENT } from './precision.js';
import type { Op, OpCost, OpKind, Phase } from './ops.js';
import type { Workload } from './workload.js';

/*
 * Lowering an LLM decoder and a workload into operators with exact FLOP and byte counts.
 *
 * Conventions (each is what current inference runtimes do; tests hold hand-worked examples to them):
 * - A matmul of [M×K]·[K×N] costs 2·M·K·N FLOPs. Bias adds M·N.
 * - q, k, v projections run as one fused matmul (qkv_proj); gate and up as one (gate_up_proj).
 * - Attention is fused (FlashAttention / SDPA): the score matrix stays on chip, so scores, softmax and context
 *   read Q, K, V and write the output once, and count one launch. Causal prefill counts exactly the
 *   Σ min(i, window) key positions each query attends to. Softmax counts 5 FLOPs per score.
 * - RMSNorm counts 4 FLOPs per element; the residual add is fused into the following norm (+1 FLOP, +1 read).
 * - RoPE counts 3 FLOPs per rotated element of q and k (in place: read and write).
 * - SwiGLU activation counts 5 FLOPs per element (SiLU ≈ 4, the product 1).
 * - Prefill computes logits only for the last position of each sequence, as generation needs.
 * - MoE: each token's router picks activeExperts of experts uniformly; an expert's weights are read once per
 *   step if any token of the step routes to it: expected experts touched E·(1 − (1 − K/E)^tokens).
 * - Weights are stored per class (architecture.ts weightPrecision): a mixer's ops read attention-class weights,
 *   an MLP's (router, experts) mlp-class ones, the embedding and LM head embeddings-class ones, norms `weights`.
 * - Linear mixers keep a fixed state of innerChannels × stateSize elements per sequence (in the KV precision);
 *   a decode step reads and writes it. Scan FLOPs per token and state element: Mamba2 5, DeltaNet 6,
 *   linear attention 4.
 */

const ZERO: OpCost = { flops: 0, weightBytes: 0, activationBytesRead: 0, activationBytesWritten: 0, kvBytesRead: 0, kvBytesWritten: 0 };

function cost(flops: number, weightBytes: number, activationBytesRead: number, activationBytesWritten: number, kvBytesRead = 0, kvBytesWritten = 0): OpCost {
  return { flops, weightBytes, activationBytesRead, activationBytesWritten, kvBytesRead, kvBytesWritten };
}

/** Expected number of distinct experts hit when `tokens` tokens each pick `k` of `e` experts uniformly. */
export function expectedExpertsTouched(experts: number, active: number, tokens: number): number {
  if (active >= experts) return experts;
  return experts * (1 - Math.pow(1 - active / experts, tokens));
}

/** Σ_{i=1..s} min(i, w): key positions attended by the s queries of a causal (windowed) prefill. */
export function causalPairs(s: number, window = Infinity): number {
  if (s <= window) return (s * (s + 1)) / 2;
  return (window * (window + 1)) / 2 + (s - window) * window;
}

/** A readable key per layer type, e.g. `attention+mlp`, `swa1024`, `mamba2-s128x2`, `mlp`. */
function layerKey(layer: DecoderLayer): string {
  const m = layer.mixer;
  const mixer = !m ? '' : m.kind === 'attention' ? 'attention' : m.kind === 'sliding-window' ? `swa${m.windowTokens}` : `${m.variant}-s${m.stateSize}x${m.expand}${m.headDim ? `h${m.headDim}` : ''}${m.groups ? `g${m.groups}` : ''}`;
  return layer.mlp ? (mixer ? `${mixer}+mlp` : 'mlp') : mixer;
}

/** Groups identical layers so that a uniform model lowers one layer and counts it `layers` times. */
export function layerGroups(layers: readonly DecoderLayer[]): { layer: DecoderLayer; count: number }[] {
  const first = layers[0];
  let uniform = true;
  for (let i = 1; i < layers.length && uniform; i++) uniform = layers[i] === first || (layers[i].mixer === first.mixer && layers[i].mlp === first.mlp);
  if (uniform) return layers.length ? [{ layer: first, count: layers.length }] : [];
  const groups = new Map<string, { layer: DecoderLayer; count: number }>();
  for (const layer of layers) {
    const key = layerKey(layer);
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { layer, count: 1 });
  }
  return [...groups.values()];
}

/** Lowers `arch` under `workload` into prefill operators and per-decode-step operators. */
export function lowerLlm(arch: LlmArchitecture, workload: Workload): Op[] {
  const ops: Op[] = [];
  for (const phase of ['prefill', 'decode'] as const) lowerPhase(arch, workload, phase, ops);
  return ops;
}

/** Bytes per stored weight of one class. */
function weightBytes(arch: LlmArchitecture, cls: WeightClass | 'norms'): number {
  return BYTES_PER_ELEMENT[weightPrecision(arch.precision, cls)];
}

function lowerPhase(arch: LlmArchitecture, w: Workload, phase: Phase, ops: Op[]): void {
  const bw = weightBytes(arch, 'norms');
  const be = weightBytes(arch, 'embeddings');
  const ba = BYTES_PER_ELEMENT[arch.precision.activations];
  const d = arch.hiddenSize;
  const B = w.batch;
  const prefill = phase === 'prefill';
  const seq = prefill ? w.promptTokens : 1;
  const n = B * seq; // tokens processed in this pass
  const sink = new OpSink(ops, phase);

  sink.weightClass = 'embeddings';
  sink.add('embedding', 'embedding', 1, cost(0, Math.min(n, arch.vocabSize) * d * be, 0, n * d * ba));

  const groups = layerGroups(arch.layers);
  for (const { layer, count } of groups) {
    const prefix = groups.length === 1 ? 'layer' : `layer[${layerKey(layer)}]`;
    if (layer.mixer) {
      // First norm of a layer also adds the previous residual (fused add + RMSNorm).
      sink.weightClass = 'norms';
      sink.add(`${prefix}.mixer_norm`, 'norm', count, cost(5 * n * d, d * bw, 2 * n * d * ba, n * d * ba));
      sink.weightClass = 'attention';
      lowerMixer(arch, layer.mixer, w, phase, count, prefix, sink);
      if (arch.postNorms) {
        sink.weightClass = 'norms';
        sink.add(`${prefix}.mixer_post_norm`, 'norm', count, cost(4 * n * d, d * bw, n * d * ba, n * d * ba));
      }
    }
    if (layer.mlp) {
      sink.weightClass = 'norms';
      sink.add(`${prefix}.mlp_norm`, 'norm', count, cost(5 * n * d, d * bw, 2 * n * d * ba, n * d * ba));
      sink.weightClass = 'mlp';
      lowerMlp(arch, n, count, prefix, sink, weightBytes(arch, 'mlp'), ba);
      if (arch.postNorms) {
        sink.weightClass = 'norms';
        sink.add(`${prefix}.mlp_post_norm`, 'norm', count, cost(4 * n * d, d * bw, n * d * ba, n * d * ba));
      }
    }
  }

  sink.weightClass = 'norms';
  sink.add('final_norm', 'norm', 1, cost(5 * n * d, d * bw, 2 * n * d * ba, n * d * ba));
  // Logits for the last position of each sequence only; written in fp32 for sampling.
  const V = arch.vocabSize;
  sink.weightClass = 'embeddings';
  sink.add('lm_head', 'lm-head', 1, cost(2 * B * d * V, d * V * be, B * d * ba, B * V * 4));
}

/** Collects the ops of one phase. A class, not a closure: lowering runs tens of thousands of times a second. */
class OpSink {
  /** The weight class of the ops added next. */
  weightClass: WeightClass | 'norms' = 'norms';

  constructor(
    readonly ops: Op[],
    readonly phase: Phase,
  ) {}

  add(name: string, kind: OpKind, count: number, base: OpCost, perContextToken?: OpCost, contextCapTokens?: number, launches = 1, matmulBatch?: number): void {
    // Softmax and context run inside the fused attention kernel that the score op launches.
    const fused = kind === 'softmax' || kind === 'attention-context';
    this.ops.push({ name, kind, phase: this.phase, count, base, perContextToken, contextCapTokens, fused, launches, matmulBatch, weightClass: this.weightClass });
  }
}

function lowerMixer(arch: LlmArchitecture, mixer: TokenMixer, w: Workload, phase: Phase, count: number, prefix: string, sink: OpSink): void {
  const bw = weightBytes(arch, 'attention');
  const ba = BYTES_PER_ELEMENT[arch.precision.activations];
  const bk = BYTES_PER_ELEMENT[arch.precision.kvCache];
  const d = arch.hiddenSize;
  const B = w.batch;
  const prefill = phase === 'prefill';
  const S = w.promptTokens;
  const n = prefill ? B * S : B;

  if (mixer.kind === 'attention' || mixer.kind === 'sliding-window') {
    const window = mixer.kind === 'sliding-window' ? mixer.windowTokens : Infinity;
    const H = arch.heads;
    const hd = arch.headDim;
    const q = H * hd;
    const kv = arch.kvHeads * hd;
    const qkvOut = q + 2 * kv;
    sink.add(
      `${prefix}.qkv_proj`,
      'matmul',
      count,
      cost(2 * n * d * qkvOut + (arch.qkvBias ? n * qkvOut : 0), (d * qkvOut + (arch.qkvBias ? qkvOut : 0)) * bw, n * d * ba, n * q * ba, 0, n * 2 * kv * bk),
    );
    if (arch.qkNorm) sink.add(`${prefix}.qk_norm`, 'norm', count, cost(4 * n * (q + kv), 2 * hd * bw, n * (q + kv) * ba, n * (q + kv) * ba));
    sink.add(`${prefix}.rope`, 'elementwise', count, cost(3 * n * (q + kv), 0, n * (q + kv) * ba, n * (q + kv) * ba));
    if (prefill) {
      const pairs = B * causalPairs(S, window); // (query, key) pairs per head
      sink.add(`${prefix}.attn_score`, 'attention-score', count, cost(2 * H * hd * pairs, 0, n * q * ba, 0, B * Math.min(S, window) * kv * bk, 0), undefined, undefined, 1, arch.kvHeads);
      sink.add(`${prefix}.attn_softmax`, 'softmax', count, cost(5 * H * pairs, 0, 0, 0));
      sink.add(`${prefix}.attn_context`, 'attention-context', count, cost(2 * H * hd * pairs, 0, 0, n * q * ba, B * Math.min(S, window) * kv * bk, 0), undefined, undefined, 1, arch.kvHeads);
    } else {
      const cap = Number.isFinite(window) ? window : undefined;
      // Per decode step: one query per sequence against c cached positions (c grows; capped by the window).
      sink.add(`${prefix}.attn_score`, 'attention-score', count, cost(0, 0, B * q * ba, 0), cost(2 * B * H * hd, 0, 0, 0, B * kv * bk, 0), cap, 1, arch.kvHeads);
      sink.add(`${prefix}.attn_softmax`, 'softmax', count, ZERO, cost(5 * B * H, 0, 0, 0), cap);
      sink.add(`${prefix}.attn_context`, 'attention-context', count, cost(0, 0, 0, B * q * ba), cost(2 * B * H * hd, 0, 0, 0, B * kv * bk, 0), cap, 1, arch.kvHeads);
    }
    sink.add(`${prefix}.o_proj`, 'matmul', count, cost(2 * n * q * d, q * d * bw, n * q * ba, n * d * ba));
    return;
  }

  // Linear-time mixers.
  const inner = linearMixerInnerChannels(arch, mixer);
  const stateElements = inner * mixer.stateSize; // per sequence
  if (mixer.variant === 'mamba2') {
    const { ssmHeads, bc, convChannels } = mamba2Dims(arch, mixer);
    const projOut = 2 * inner + bc + ssmHeads;
    const convState = B * convChannels * (MAMBA2_CONV_KERNEL - 1) * bk;
    sink.add(`${prefix}.in_proj`, 'matmul', count, cost(2 * n * d * projOut, d * projOut * bw, n * d * ba, n * projOut * ba));
    sink.add(`${prefix}.conv1d`, 'conv', count, cost(2 * n * convChannels * MAMBA2_CONV_KERNEL, convChannels * (MAMBA2_CONV_KERNEL + 1) * bw, n * convChannels * ba, n * convChannels * ba, prefill ? 0 : convState, convState));
    sink.add(`${prefix}.ssm_scan`, 'ssm-scan', count, cost(5 * n * stateElements, 3 * ssmHeads * bw, n * (inner + bc + ssmHeads) * ba, n * inner * ba, prefill ? 0 : B * stateElements * bk, B * stateElements * bk));
    sink.add(`${prefix}.gated_norm`, 'norm', count, cost(6 * n * inner, inner * bw, 2 * n * inner * ba, n * inner * ba));
    sink.add(`${prefix}.out_proj`, 'matmul', count, cost(2 * n * inner * d, inner * d * bw, n * inner * ba, n * d * ba));
    return;
  }
  const deltanet = mixer.variant === 'deltanet';
  const projOut = 3 * inner + (deltanet ? arch.heads : 0);
  sink.add(`${prefix}.qkv_proj`, 'matmul', count, cost(2 * n * d * projOut, d * projOut * bw, n * d * ba, n * projOut * ba));
  if (deltanet) {
    const convState = B * 3 * inner * (SHORT_CONV_KERNEL - 1) * bk;
    sink.add(`${prefix}.short_conv`, 'conv', count, cost(2 * n * 3 * inner * SHORT_CONV_KERNEL, 3 * inner * SHORT_CONV_KERNEL * bw, n * 3 * inner * ba, n * 3 * inner * ba, prefill ? 0 : convState, convState));
  }
  const flopsPerState = deltanet ? 6 : 4;
  sink.add(`${prefix}.linear_scan`, 'ssm-scan', count, cost(flopsPerState * n * stateElements, 0, n * 3 * inner * ba, n * inner * ba, prefill ? 0 : B * stateElements * bk, B * stateElements * bk));
  if (deltanet) sink.add(`${prefix}.out_norm`, 'norm', count, cost(4 * n * inner, arch.headDim * bw, n * inner * ba, n * inner * ba));
  sink.add(`${prefix}.o_proj`, 'matmul', count, cost(2 * n * inner * d, inner * d * bw, n * inner * ba, n * d * ba));
}

function lowerMlp(arch: LlmArchitecture, n: number, count: number, prefix: string, sink: OpSink, bw: number, ba: number): void {
  const d = arch.hiddenSize;
  const mlp = arch.mlp;
  if (mlp.kind === 'dense') {
    denseMlp(sink, d, count, bw, ba, `${prefix}.mlp`, n, mlp.intermediateSize, mlp.gated, 1);
    return;
  }
  const E = mlp.experts;
  const K = mlp.activeExperts;
  // Router logits, softmax and top-k (≈ 5 FLOPs per logit beyond the matmul).
  sink.add(`${prefix}.router`, 'router', count, cost(2 * n * d * E + 5 * n * E, d * E * bw, n * d * ba, n * K * 8));
  denseMlp(sink, d, count, bw, ba, `${prefix}.experts`, n * K, mlp.expertIntermediateSize, mlp.gated, expectedExpertsTouched(E, K, n));
  if (mlp.sharedExperts > 0) denseMlp(sink, d, count, bw, ba, `${prefix}.shared_experts`, n * mlp.sharedExperts, mlp.sharedIntermediateSize, mlp.gated, mlp.sharedExperts);
}

/** A (gated) MLP: `copies` distinct weight sets are read (experts touched); `tokens` rows flow through them. */
function denseMlp(sink: OpSink, d: number, count: number, bw: number, ba: number, name: string, tokens: number, intermediate: number, gated: boolean, copies: number): void {
  const upWidth = (gated ? 2 : 1) * intermediate;
  // Each weight set touched runs its own kernels (`launches`: priced by a profile that counts kernels).
  sink.add(`${name}.${gated ? 'gate_up_proj' : 'up_proj'}`, 'matmul', count, cost(2 * tokens * d * upWidth, copies * d * upWidth * bw, tokens * d * ba, tokens * upWidth * ba), undefined, undefined, copies);
  sink.add(`${name}.act`, 'elementwise', count, cost((gated ? 5 : 4) * tokens * intermediate, 0, tokens * upWidth * ba, tokens * intermediate * ba), undefined, undefined, copies);
  sink.add(`${name}.down_proj`, 'matmul', count, cost(2 * tokens * intermediate * d, copies * intermediate * d * bw, tokens * intermediate * ba, tokens * d * ba), undefined, undefined, copies);
}
