import type { DecoderLayer, LlmArchitecture, TokenMixer } from '../architecture.js';
import { defineGridSpace } from '../space.js';

/*
 * A Nemotron-Flash-style hybrid space: three stages, each a run of blocks. A block is one token
 * mixer followed by 0–2 FFNs (an FFN-only layer after the first). Per stage: the mixer (Mamba2, DeltaNet,
 * sliding-window attention or full attention), how often a full-attention block replaces it (the hybrid ratio),
 * FFNs per mixer and blocks. Shared: width, FFN ratio and KV heads. head_dim 128, vocabulary 32,000, untied.
 */

export const HYBRID_HEAD_DIM = 128;
export const HYBRID_VOCAB = 32000;
export const HYBRID_WINDOW_TOKENS = 1024;
const STAGES = 3;

const MIXERS: Readonly<Record<string, TokenMixer>> = {
  mamba2: { kind: 'linear', variant: 'mamba2', stateSize: 128, expand: 2 },
  deltanet: { kind: 'linear', variant: 'deltanet', stateSize: HYBRID_HEAD_DIM, expand: 1 },
  swa: { kind: 'sliding-window', windowTokens: HYBRID_WINDOW_TOKENS },
  attention: { kind: 'attention' },
};

const stageGenes = Array.from({ length: STAGES }, (_, s) => [
  { name: `s${s + 1}.mixer`, choices: Object.keys(MIXERS), ordinal: false },
  /** Every k-th block of the stage uses full attention instead (0: never). */
  { name: `s${s + 1}.attnEvery`, choices: [0, 4, 2], ordinal: true },
  { name: `s${s + 1}.ffnPerMixer`, choices: [0, 1, 2], ordinal: true },
  { name: `s${s + 1}.blocks`, choices: [1, 2, 3, 4, 6], ordinal: true },
]).flat();

export const llmHybridSpace = defineGridSpace<LlmArchitecture>({
  id: 'llm-hybrid',
  description: 'hybrid attention / SSM / linear-attention decoders in 3 stages (Nemotron-Flash style): mixers, hybrid ratio, FFNs per mixer, blocks, width',
  genes: [
    { name: 'width', choices: [1024, 1536, 2048, 2560], ordinal: true },
    { name: 'ffnRatio', choices: [2, 3, 4], ordinal: true },
    { name: 'kvHeads', choices: [2, 4], ordinal: true },
    ...stageGenes,
  ],
  decode(v) {
    const width = v.width as number;
    const layers: DecoderLayer[] = [];
    for (let s = 1; s <= STAGES; s++) {
      const every = v[`s${s}.attnEvery`] as number;
      const ffns = v[`s${s}.ffnPerMixer`] as number;
      for (let b = 1; b <= (v[`s${s}.blocks`] as number); b++) {
        const mixer = every > 0 && b % every === 0 ? MIXERS.attention : MIXERS[v[`s${s}.mixer`] as string];
        layers.push({ mixer, mlp: ffns >= 1 });
        for (let f = 1; f < ffns; f++) layers.push({ mixer: null, mlp: true });
      }
    }
    return {
      family: 'llm',
      name: `hybrid-d${width}-${layers.length}l`,
      vocabSize: HYBRID_VOCAB,
      hiddenSize: width,
      heads: width / HYBRID_HEAD_DIM,
      kvHeads: v.kvHeads as number,
      headDim: HYBRID_HEAD_DIM,
      mlp: { kind: 'dense', intermediateSize: (v.ffnRatio as number) * width, gated: true },
      layers,
      tiedEmbeddings: false,
      qkvBias: false,
      qkNorm: false,
      precision: { weights: 'bf16', activations: 'bf16', kvCache: 'bf16' },
    };
  },
});
