import type { WeightClass } from './architecture.js';

/** What an operator does, for grouping in reports and for the roofline's bound analysis. */
export type OpKind =
  | 'embedding'
  | 'norm'
  | 'matmul'
  | 'attention-score'
  | 'softmax'
  | 'attention-context'
  | 'ssm-scan'
  | 'conv'
  | 'elementwise'
  | 'router'
  | 'lm-head'
  | 'pool';

/** LLM inference phases; `forward` is one pass of a CNN over a batch of images. */
export type Phase = 'prefill' | 'decode' | 'forward';

/** Costs of one instance of an operator. Bytes are what crosses the memory bus (read + written). */
export interface OpCost {
  readonly flops: number;
  readonly weightBytes: number;
  readonly activationBytesRead: number;
  readonly activationBytesWritten: number;
  readonly kvBytesRead: number;
  readonly kvBytesWritten: number;
}

/**
 * One operator of a lowered model.
 *
 * Prefill operators are fixed costs. A decode operator is the cost of one decode step, which may grow with the
 * context: at a step that attends to `c` positions, its cost is `base + perContextToken · min(c, contextCapTokens)`.
 * `count` identical instances (usually one per layer of the same type) are folded into one Op.
 */
export interface Op {
  readonly name: string;
  readonly kind: OpKind;
  readonly phase: Phase;
  readonly count: number;
  readonly base: OpCost;
  readonly perContextToken?: OpCost | undefined;
  /** Attention over a sliding window stops growing at the window. */
  readonly contextCapTokens?: number | undefined;
  /** Runs inside the previous op's kernel (fused attention): no launch overhead of its own. */
  readonly fused?: boolean;
  /** Times its kernels are launched per instance (an MoE expert op: once per expert touched); default 1. */
  readonly launches?: number;
  /** Attention ops: independent products per sequence (KV heads; grouped query heads share one), for rates by shape class. */
  readonly matmulBatch?: number;
  /** LLM ops: the class whose weights the op reads (its storage precision and, for a matmul, its compute precision). */
  readonly weightClass?: WeightClass | 'norms';
  /**
   * CNN convolutions with one channel per group (groups = input = output channels): runtimes run them on a kernel
   * of their own, far from a dense convolution's rate, so the roofline prices them as a class of their own.
   */
  readonly depthwise?: boolean;
}

export const ZERO_COST: OpCost = {
  flops: 0,
  weightBytes: 0,
  activationBytesRead: 0,
  activationBytesWritten: 0,
  kvBytesRead: 0,
  kvBytesWritten: 0,
};

export function costBytes(cost: OpCost): number {
  return (
    cost.weightBytes + cost.activationBytesRead + cost.activationBytesWritten + cost.kvBytesRead + cost.kvBytesWritten
  );
}

/** Cost of one instance of `op` at a decode step attending to `contextTokens` positions (prefill ops ignore it). */
export function costAt(op: Op, contextTokens: number): OpCost {
  const per = op.perContextToken;
  if (!per) return op.base;
  const c = op.contextCapTokens === undefined ? contextTokens : Math.min(contextTokens, op.contextCapTokens);
  return {
    flops: op.base.flops + per.flops * c,
    weightBytes: op.base.weightBytes + per.weightBytes * c,
    activationBytesRead: op.base.activationBytesRead + per.activationBytesRead * c,
    activationBytesWritten: op.base.activationBytesWritten + per.activationBytesWritten * c,
    kvBytesRead: op.base.kvBytesRead + per.kvBytesRead * c,
    kvBytesWritten: op.base.kvBytesWritten + per.kvBytesWritten * c,
  };
}
