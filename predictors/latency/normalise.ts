/**
 * Per-device normalisation of latency targets: z = (log latencyMs − logMean) / logStd, from the latencies measured
 * on that device only — on an unseen device that is all there is, so training and adaptation see the same scales.
 * With few measurements the spread is shrunk toward a prior spread (the source devices' typical one): one or two
 * latencies say nothing reliable about how widely a device's latencies vary.
 */
export interface DeviceNormalisation {
  /** Mean and (shrunk) standard deviation of log(latencyMs) over the measured architectures. */
  readonly logMean: number;
  readonly logStd: number;
}

/** A prior on the log-latency spread and its weight in pseudo-measurements (a conjugate prior on the variance). */
export interface SpreadPrior {
  readonly logStd: number;
  readonly weight: number;
}

/** Pseudo-measurements the prior spread counts for: it dominates at 1–2 measurements and fades by 10. */
export const SPREAD_PRIOR_WEIGHT = 2;

/** Below this the spread is treated as zero (guards division by ~0). */
const MIN_LOG_SPREAD = 1e-3;

/**
 * logStd² = (Σ (log L − mean)² + w · s0²) / (n − 1 + w) with prior spread s0 and weight w; without a prior, the plain
 * population standard deviation (the source devices' lookup tables, whose measurements are all known).
 */
export function deviceNormalisation(latencyMs: ArrayLike<number>, prior?: SpreadPrior): DeviceNormalisation {
  const logs = Array.from(latencyMs, (v) => Math.log(v));
  if (logs.length === 0) throw new Error('deviceNormalisation: no latencies');
  const logMean = logs.reduce((s, v) => s + v, 0) / logs.length;
  const ss = logs.reduce((s, v) => s + (v - logMean) ** 2, 0);
  const variance = prior ? (ss + prior.weight * prior.logStd ** 2) / (logs.length - 1 + prior.weight) : ss / logs.length;
  return { logMean, logStd: Math.max(MIN_LOG_SPREAD, Math.sqrt(variance)) };
}

export function normaliseLatency(latencyMs: number, n: DeviceNormalisation): number {
  return (Math.log(latencyMs) - n.logMean) / n.logStd;
}

export function denormaliseLatency(z: number, n: DeviceNormalisation): number {
  return Math.exp(z * n.logStd + n.logMean);
}
