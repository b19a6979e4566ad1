/**
 * Per-device normalisation, computed only from the latencies of HELP's 10 reference architectures on that device —
 * which are exactly what is measured on an unseen device — so training and adaptation see the same scales.
 */
export interface DeviceNormalisation {
  /** Mean and standard deviation of log(latencyMs) over the reference architectures. */
  readonly logMean: number;
  readonly logStd: number;
  /** Min and max of log(latencyMs) over the reference architectures (for the hardware embedding). */
  readonly logMin: number;
  readonly logMax: number;
}

/** Below this the reference latencies are treated as equal (guards division by ~0). */
const MIN_LOG_SPREAD = 1e-3;

export function deviceNormalisation(referenceLatencyMs: ArrayLike<number>): DeviceNormalisation {
  const logs = Array.from(referenceLatencyMs, (v) => Math.log(v));
  const logMean = logs.reduce((s, v) => s + v, 0) / logs.length;
  const logStd = Math.max(MIN_LOG_SPREAD, Math.sqrt(logs.reduce((s, v) => s + (v - logMean) ** 2, 0) / logs.length));
  return { logMean, logStd, logMin: Math.min(...logs), logMax: Math.max(...logs) };
}

/** HELP's hardware embedding: the reference latencies, min–max normalised (on a log scale here). */
export function hardwareEmbedding(referenceLatencyMs: ArrayLike<number>, n = deviceNormalisation(referenceLatencyMs)): number[] {
  const span = Math.max(MIN_LOG_SPREAD, n.logMax - n.logMin);
  return Array.from(referenceLatencyMs, (v) => (Math.log(v) - n.logMin) / span);
}

export function normaliseLatency(latencyMs: number, n: DeviceNormalisation): number {
  return (Math.log(latencyMs) - n.logMean) / n.logStd;
}

export function denormaliseLatency(z: number, n: DeviceNormalisation): number {
  return Math.exp(z * n.logStd + n.logMean);
}
