/**
 * The hardware embedding (HELP, Lee et al., NeurIPS 2021): a device is described by its latencies on 10 fixed reference
 * architectures, min–max normalised. HELP scales the latencies themselves (loader.py: normalization(…, portion=1.0));
 * 'log' scales their logarithms, which spreads the fast architectures of devices whose latencies span a wide range.
 * A reference architecture may be unmeasured (a user with fewer than 10 measurements): its value is 0 and its mask
 * bit 0, so the network sees which entries are real. With all 10 measured the mask is constant and the embedding is
 * HELP's.
 */
export const REFERENCE_COUNT = 10;
/** 10 normalised latencies, then 10 mask bits. */
export const HW_EMBEDDING_SIZE = 2 * REFERENCE_COUNT;

export type EmbeddingKind = 'help' | 'log';
export const EMBEDDING_KINDS: readonly EmbeddingKind[] = ['help', 'log'];

/** Below this the measured references are treated as equal (guards division by ~0). */
const MIN_SPAN = 1e-9;

/** `referenceLatencyMs[i]` is the device's latency on reference architecture i, or null when not measured. */
export function hardwareEmbedding(referenceLatencyMs: readonly (number | null)[], kind: EmbeddingKind): number[] {
  if (referenceLatencyMs.length !== REFERENCE_COUNT) throw new Error(`hardware embedding: expected ${REFERENCE_COUNT} reference latencies (null when unmeasured), got ${referenceLatencyMs.length}`);
  const scale = (v: number) => (kind === 'log' ? Math.log(v) : v);
  const measured = referenceLatencyMs.filter((v): v is number => v !== null).map(scale);
  const lo = Math.min(...measured);
  const span = Math.max(...measured) - lo;
  const values = referenceLatencyMs.map((v) => (v === null || !(span > MIN_SPAN) ? 0 : (scale(v) - lo) / span));
  return [...values, ...referenceLatencyMs.map((v) => (v === null ? 0 : 1))];
}
