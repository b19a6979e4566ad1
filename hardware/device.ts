import type { Precision } from '../core/precision.js';

/**
 * What a device can do, with where the numbers come from. Built-in profiles live in devices/*.json; a user adds
 * a device with a file of the same shape (validated in device-files.ts).
 */
export interface DeviceProfile {
  readonly id: string;
  readonly name: string;
  readonly kind: 'gpu' | 'cpu' | 'soc' | 'npu';
  /** Dense peak per compute precision (no 2:4 sparsity). Missing precisions fall back to the next wider one. */
  readonly peakFlopsPerS: Readonly<Partial<Record<Precision, number>>>;
  readonly memoryBandwidthBytesPerS: number;
  readonly memoryBytes: number;
  readonly idlePowerW: number;
  readonly maxPowerW: number;
  /** Share of peak FLOP/s a real runtime reaches on large matmuls (0..1]. */
  readonly computeEfficiency: number;
  /** Share of peak bandwidth a real runtime reaches on streaming reads (0..1]. */
  readonly memoryEfficiency: number;
  /** Fixed cost per operator launch (kernel launch, dispatch), seconds. */
  readonly opOverheadS: number;
  readonly source: string;
  readonly notes?: string;
  /**
   * Optional: how one software runtime on this device executes a lowered model, beyond the three numbers above.
   * Absent in every built-in profile (their results do not depend on it); written by `hwnas calibrate`.
   */
  readonly runtime?: RuntimeProfile;
}

/**
 * Runtime extension of a profile (all fields optional).
 * - kernelsPerOp: kernels the runtime launches for one instance of a lowered operator; each pays opOverheadS.
 *   Keys name an operator by the tail of its lowered name ('rope', 'attn_score', 'experts.down_proj', 'lm_head')
 *   or by its kind ('matmul', 'norm'), optionally prefixed by a phase ('decode:attn_score'). The most specific
 *   key wins: phase-qualified before plain, a longer name tail before a shorter one, a name before a kind.
 *   Unlisted operators launch 1 kernel (0 when fused into the previous one). An operator that runs once per
 *   touched MoE expert launches its kernels once per expert.
 * - decodeMatmulEfficiency: share of peak FLOP/s reached by the matmuls of a decode step (one row per sequence:
 *   matrix–vector products), which runtimes run at a different rate than the matrix–matrix products of a prefill;
 *   default computeEfficiency.
 * - attentionEfficiency: share of peak FLOP/s reached by the attention operators (scores, context), counted in the
 *   lowering's FLOPs; default computeEfficiency. singleBatchAttentionEfficiency: the same for attention whose
 *   products are not batched (one KV head: plain 2-D matmuls, which some runtimes run on a faster path than batched
 *   ones); default attentionEfficiency.
 * - elementwiseMemoryEfficiency: share of peak bandwidth reached by the operators that are neither matmuls nor
 *   attention (norms, RoPE, activations, softmax) at model sizes; default memoryEfficiency.
 * - depthwiseConvEfficiency: share of peak FLOP/s reached by depthwise convolutions (a CNN's k×k convolutions with
 *   one channel per group, Op.depthwise) in a forward pass, counted in the lowering's FLOPs (2 × k² per output
 *   element); their bandwidth stays memoryEfficiency. Runtimes run them on a kernel of their own whose time follows
 *   the taps, not the bytes, several times below a dense convolution's rate (tfjs-wasm);
 *   default computeEfficiency.
 */
export interface RuntimeProfile {
  readonly kernelsPerOp?: Readonly<Record<string, number>>;
  readonly decodeMatmulEfficiency?: number;
  readonly attentionEfficiency?: number;
  readonly singleBatchAttentionEfficiency?: number;
  readonly elementwiseMemoryEfficiency?: number;
  readonly depthwiseConvEfficiency?: number;
  readonly source?: string;
}
