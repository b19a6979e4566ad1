/**
 * What the model is asked to do: B sequences, each with a prompt of S_in tokens, then S_out generated tokens.
 * Decode step t (1..S_out) attends to S_in + t positions, as in the co-design paper's T = Σ T_decode(S_in + t).
 */
export interface Workload {
  readonly batch: number;
  readonly promptTokens: number;
  readonly generatedTokens: number;
}

/** The co-design paper's workload. */
export const PAPER_WORKLOAD: Workload = { batch: 1, promptTokens: 1024, generatedTokens: 16 };
