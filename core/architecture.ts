import type { Precision } from './precision.js';

/** How one layer mixes information across tokens. */
export type TokenMixer =
  | { readonly kind: 'attention' }
  /** Attention over the last `windowTokens` positions only (Mistral, Gemma local layers). */
  | { readonly kind: 'sliding-window'; readonly windowTokens: number }
  /**
   * A linear-time mixer with a fixed-size recurrent state per head (Mamba2, DeltaNet, linear attention).
   * `stateSize` is the state dimension per channel (Mamba2 d_state; for linear attention the key dimension).
   */
  | {
      readonly kind: 'linear';
      readonly variant: LinearMixerVariant;
      readonly stateSize: number;
      readonly expand: number;
      /** Mamba2: channels per SSM head (default: the attention headDim) and B/C groups (default 1). */
      readonly headDim?: number;
      readonly groups?: number;
    };

export type LinearMixerVariant = 'mamba2' | 'deltanet' | 'linear-attention';

export type MlpActivation = 'silu' | 'gelu-tanh' | 'relu2';

export interface DenseMlp {
  readonly kind: 'dense';
  readonly intermediateSize: number;
  /** Gated (SwiGLU: gate, up, down — three matrices) or plain (up, down). */
  readonly gated: boolean;
}

export interface MoeMlp {
  readonly kind: 'moe';
  readonly experts: number;
  readonly activeExperts: number;
  readonly expertIntermediateSize: number;
  /** Experts every token passes through (Qwen2-MoE, DeepSeek); 0 for Mixtral. */
  readonly sharedExperts: number;
  readonly sharedIntermediateSize: number;
  /** Qwen2-MoE scales the shared expert by a sigmoid gate (a d×1 projection). */
  readonly sharedExpertGate?: boolean;
  readonly gated: boolean;
}

export type Mlp = DenseMlp | MoeMlp;

/** One decoder layer: a token mixer and/or an MLP (hybrid models may have mixer-only or MLP-only layers). */
export interface DecoderLayer {
  readonly mixer: TokenMixer | null;
  readonly mlp: boolean;
}

/** Tensor classes whose weights may be stored in a precision of their own (per-class quantisation). */
export const WEIGHT_CLASSES = ['attention', 'mlp', 'embeddings'] as const;
export type WeightClass = (typeof WEIGHT_CLASSES)[number];

export interface TensorPrecisions {
  /** Every weight tensor that no per-class field below sets; always the norm vectors. */
  readonly weights: Precision;
  readonly activations: Precision;
  readonly kvCache: Precision;
  /** Token-mixer weights: attention projections (and a linear mixer's projections, convolution and state parameters). */
  readonly attentionWeights?: Precision;
  /** MLP weights: the dense FFN, or every expert, the shared experts and the router. */
  readonly mlpWeights?: Precision;
  /** Token embedding and LM head (one matrix when tied). */
  readonly embeddingWeights?: Precision;
  /**
   * The precision the model was trained in (weights, activations and KV cache of the forward pass). Unset: the
   * caller's default (bf16, the precision the built-in loss laws' models were trained in).
   */
  readonly training?: Precision;
}

/** The storage precision of one weight class ('norms': the norm vectors, always `weights`). */
export function weightPrecision(p: TensorPrecisions, cls: WeightClass | 'norms'): Precision {
  switch (cls) {
    case 'attention':
      return p.attentionWeights ?? p.weights;
    case 'mlp':
      return p.mlpWeights ?? p.weights;
    case 'embeddings':
      return p.embeddingWeights ?? p.weights;
    default:
      return p.weights;
  }
}

/** True when every weight class is stored in `weights` (no per-class field differs from it). */
export function uniformWeights(p: TensorPrecisions): boolean {
  return (p.attentionWeights ?? p.weights) === p.weights && (p.mlpWeights ?? p.weights) === p.weights && (p.embeddingWeights ?? p.weights) === p.weights;
}

/** A decoder-only language model, described exactly enough to count every FLOP, parameter and byte. */
export interface LlmArchitecture {
  readonly family: 'llm';
  readonly name?: string;
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly heads: number;
  readonly kvHeads: number;
  /** May differ from hiddenSize / heads (Qwen3). */
  readonly headDim: number;
  readonly mlp: Mlp;
  readonly layers: readonly DecoderLayer[];
  readonly tiedEmbeddings: boolean;
  readonly qkvBias: boolean;
  /** RMSNorm over q and k per head (Qwen3): two weight vectors of size headDim per attention layer. */
  readonly qkNorm: boolean;
  /**
   * A second RMSNorm after the mixer and after the MLP of each layer (Gemma 2 and 3: post_attention and
   * post_feedforward beside the usual input and pre_feedforward norms). Default false.
   */
  readonly postNorms?: boolean;
  /** The MLP's activation: SwiGLU's SiLU (default), Gemma's tanh-approximated GELU, Nemotron-H's squared ReLU. */
  readonly activation?: MlpActivation;
  readonly precision: TensorPrecisions;
}

/** NAS-Bench-201 cell operations, coded as in the HELP data (0..4). */
export const NB201_OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'] as const;
export type Nb201Op = (typeof NB201_OPS)[number];

/** A NAS-Bench-201 cell: the operation on each of 6 edges, in the order 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2. */
export interface Nb201Architecture {
  readonly family: 'nb201';
  readonly edges: readonly Nb201Op[];
}

/** FBNet blocks, coded as in the HELP data (0..8). */
export const FBNET_BLOCKS = ['k3_e1', 'k3_e1_g2', 'k3_e3', 'k3_e6', 'k5_e1', 'k5_e1_g2', 'k5_e3', 'k5_e6', 'skip'] as const;
export type FbnetBlock = (typeof FBNET_BLOCKS)[number];

/** An FBNet network: one block per searchable layer (22). */
export interface FbnetArchitecture {
  readonly family: 'fbnet';
  readonly blocks: readonly FbnetBlock[];
}

/**
 * MnasNet's factorised hierarchical space (Tan et al. 2019, §4.1): the convolution of a block's layers — regular,
 * depthwise separable, or a mobile inverted bottleneck (MBConv) with expansion 3 or 6.
 */
export const MNASNET_CONV_OPS = ['conv', 'dconv', 'mbconv3', 'mbconv6'] as const;
export type MnasnetConvOp = (typeof MNASNET_CONV_OPS)[number];
/** MnasNet's skip choices: none, an identity residual, or a pooled shortcut (core/lower-cnn.ts: lowerMnasnet). */
export const MNASNET_SKIP_OPS = ['none', 'identity', 'pool'] as const;
export type MnasnetSkipOp = (typeof MNASNET_SKIP_OPS)[number];

/** One MnasNet block: `layers` identical layers (the first one carries the block's stride). */
export interface MnasnetBlock {
  readonly convOp: MnasnetConvOp;
  readonly kernel: number;
  /** Squeeze-and-excitation ratio (0: none); the bottleneck is the layer's input channels × ratio. */
  readonly seRatio: number;
  readonly skip: MnasnetSkipOp;
  /** Output channels of every layer of the block. */
  readonly filters: number;
  readonly layers: number;
}

/** A network of MnasNet's space: 7 blocks between a fixed stem and head (core/lower-cnn.ts: MNASNET_NETWORK). */
export interface MnasnetArchitecture {
  readonly family: 'mnasnet';
  readonly name?: string;
  readonly blocks: readonly MnasnetBlock[];
}

/** The convolutional networks: priced by one forward pass (core/lower-cnn.ts). */
export type CnnArchitecture = Nb201Architecture | FbnetArchitecture | MnasnetArchitecture;

/**
 * A model partitioned over devices given in order (a search with `--devices`: architecture and split co-designed).
 * Cut i is at `cutFractions[i]` of the model's units (hardware/split-chain.ts), rounded to a unit boundary;
 * the fractions are non-decreasing, and stage i runs between cuts i − 1 and i.
 */
export interface PartitionedArchitecture {
  readonly family: 'partitioned';
  readonly model: LlmArchitecture | CnnArchitecture;
  readonly cutFractions: readonly number[];
}

export type Architecture = LlmArchitecture | CnnArchitecture | PartitionedArchitecture;

/** Layers of a uniform model: every layer full attention with an MLP. */
export function uniformLayers(count: number, mixer: TokenMixer = { kind: 'attention' }): DecoderLayer[] {
  // One shared (immutable) layer object: lowering recognises a uniform stack by identity.
  return new Array<DecoderLayer>(count).fill({ mixer, mlp: true });
}
