/**
 * Published numbers on precision and loss (Kumar et al. 2025, arXiv 2411.04330): the constants of Kumar et al.'s precision scaling laws,
 * and the GPTQ measurements their post-training term is checked against. Two tables, each with its source.
 */
import type { InputRange } from './law.js';

/**
 * Kumar et al., "Scaling Laws for Precision" (ICLR 2025, arXiv 2411.04330), Appendix K Table 2, as read in
 * Kumar et al. 2025 (arXiv 2411.04330). Fitted on 465 OLMo-style runs (N = 30–220M non-embedding parameters, D = 1.5–26B tokens, Dolma,
 * integer fake-quantised training, GPTQ for post-training quantisation); the authors warn that the constants
 * depend on architecture and data.
 */
export const KUMAR_PRECISION_LAW = {
  source: 'Kumar et al., "Scaling Laws for Precision", ICLR 2025 (arXiv 2411.04330), Appendix K Table 2',
  /**
   * Eq. 2, post-training quantisation of weights of a model trained in bf16:
   *   δ_PTQ(N, D, P_post) = C_T · D^γ_D / N^γ_N · exp(−P_post / γ_post)
   * The last label of Table 2 is garbled in the copies available and is read as γ_post by elimination. Table 2
   * also lists b = 1.1277 with no stated role: unresolved. One reading puts it inside the exponential,
   * exp(−P_post/γ_post + b), which multiplies δ by e^b ≈ 3.09; the default leaves it out (Kumar et al. 2025, arXiv 2411.04330).
   */
  ptq: { C_T: 0.0598, gamma_D: 0.5068, gamma_N: 0.3439, gamma_post: 0.5907 },
  unresolvedB: 1.1277,
  /**
   * Eqs. 3–4, training in low precision: N_eff = N · Π_x (1 − exp(−P_x/γ_x + n_x)) over weights, activations and
   * KV cache, in L = A·N_eff^−α + B·D^−β + E (α = β tied). The offsets' sign as read in papers.md reproduces the
   * paper's compute-optimal 7–8 bits; valid for activation and KV precision ≥ 4 bits.
   */
  training: {
    A: 4.299e3,
    B: 1.806e4,
    E: 2.7648,
    alpha: 0.4965,
    beta: 0.4965,
    gamma_w: 2.6745,
    n_w: 0.3037,
    gamma_a: 2.2102,
    n_a: 1.4072,
    gamma_kv: 0.9578,
    n_kv: 2.4185,
  },
  /**
   * Where the constants were fitted. N and D: the runs' ranges. Bits: papers.md does not give the paper's bit range
   * for Eq. 2; 3–8 spans its worked examples (3–6 bits) and the published 8-bit checks (close to lossless in every
   * report, as Eq. 2 predicts). Training: "valid for activation and KV precision ≥ 4 bits"; 16 is the reference.
   */
  fittedRange: {
    nonEmbeddingParams: { min: 30e6, max: 220e6 },
    trainingTokens: { min: 1.5e9, max: 26e9 },
    bits: { min: 3, max: 8 },
    trainingBits: { min: 4, max: 16 },
  },
} as const satisfies { source: string; ptq: object; unresolvedB: number; training: object; fittedRange: Record<string, InputRange> };

/** Parameters in an OPT or BLOOM decoder's blocks: per layer 12d² + 13d (q, k, v, o, fc1, fc2 with biases, two LayerNorms), plus the final LayerNorm. */
function blockParams(layers: number, width: number): number {
  return layers * (12 * width * width + 13 * width) + 2 * width;
}

export interface GptqCheckPoint {
  readonly model: string;
  /** Parameters GPTQ quantises: the transformer blocks (embeddings and LM head stay fp16). */
  readonly nonEmbeddingParams: number;
  /** The training tokens as papers.md brackets them, or null where papers.md gives none. */
  readonly trainingTokens: { readonly min: number; readonly max: number } | null;
  readonly bits: number;
  readonly fp16Perplexity: number;
  readonly quantisedPerplexity: number;
}

/**
 * GPTQ (Frantar et al. 2023), Table 3: WikiText-2 perplexity, weight-only, per-row, no grouping (Kumar et al. 2025, arXiv 2411.04330).
 * Δ nats = ln(quantised / fp16 perplexity). OPT models saw 180–300B tokens; papers.md gives no token count for
 * BLOOM-560M, so it is listed but cannot be checked. Shapes: OPT-125M 12 layers × 768, OPT-350M 24 × 1024,
 * OPT-1.3B 24 × 2048, BLOOM-560M 24 × 1024 (FFN 4d throughout).
 * Eq. 2 lands within about 2.5× of these, far outside its fitted range: a plausibility check, not a validation.
 */
export const GPTQ_CHECK_POINTS = {
  source: 'Frantar et al., GPTQ (ICLR 2023), Table 3',
  tolerance: 2.5,
  points: [
    { model: 'OPT-125M', nonEmbeddingParams: blockParams(12, 768), trainingTokens: { min: 180e9, max: 300e9 }, bits: 4, fp16Perplexity: 27.65, quantisedPerplexity: 31.12 },
    { model: 'OPT-125M', nonEmbeddingParams: blockParams(12, 768), trainingTokens: { min: 180e9, max: 300e9 }, bits: 3, fp16Perplexity: 27.65, quantisedPerplexity: 53.85 },
    { model: 'OPT-350M', nonEmbeddingParams: blockParams(24, 1024), trainingTokens: { min: 180e9, max: 300e9 }, bits: 4, fp16Perplexity: 22.0, quantisedPerplexity: 24.24 },
    { model: 'OPT-1.3B', nonEmbeddingParams: blockParams(24, 2048), trainingTokens: { min: 180e9, max: 300e9 }, bits: 4, fp16Perplexity: 14.63, quantisedPerplexity: 15.47 },
    { model: 'OPT-1.3B', nonEmbeddingParams: blockParams(24, 2048), trainingTokens: { min: 180e9, max: 300e9 }, bits: 3, fp16Perplexity: 14.63, quantisedPerplexity: 20.97 },
    { model: 'BLOOM-560M', nonEmbeddingParams: blockParams(24, 1024), trainingTokens: null, bits: 4, fp16Perplexity: 22.42, quantisedPerplexity: 24.03 },
  ] satisfies GptqCheckPoint[],
} as const;
