/**
 * A network link between two devices: a bandwidth and a one-way latency per message. Sending `bytes` as one
 * message takes latency + 8·bytes / bandwidth; only the second term occupies the link (it bounds a pipeline's
 * throughput), the first is propagation and protocol delay.
 */
export interface Link {
  readonly bitsPerS: number;
  readonly latencyS: number;
  /** As the user wrote it, for tables. */
  readonly text: string;
}

const BANDWIDTH_UNITS: Readonly<Record<string, number>> = {
  'bit/s': 1, bps: 1,
  'kbit/s': 1e3, kbps: 1e3, 'Kbit/s': 1e3, Kbps: 1e3,
  'Mbit/s': 1e6, Mbps: 1e6,
  'Gbit/s': 1e9, Gbps: 1e9,
  'B/s': 8, 'kB/s': 8e3, 'KB/s': 8e3, 'MB/s': 8e6, 'GB/s': 8e9,
};
const LATENCY_UNITS: Readonly<Record<string, number>> = { us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1 };

const NUMBER = '(\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?)';

/** `100Mbit/s,2ms`, `1Gbps`, `12.5MB/s,0.5ms` (latency 0 when omitted); throws with the reason. */
export function parseLink(text: string): Link {
  const [bw, latency, ...rest] = text.split(',').map((s) => s.trim());
  if (rest.length > 0 || !bw) throw new Error(`cannot read link '${text}'; expected <bandwidth>[,<latency>] such as 100Mbit/s,2ms`);
  const b = new RegExp(`^${NUMBER}\\s*([A-Za-z/]+)$`).exec(bw);
  const bScale = b ? BANDWIDTH_UNITS[b[2]] : undefined;
  if (!b || bScale === undefined) throw new Error(`link '${text}': bandwidth '${bw}' needs a unit: ${Object.keys(BANDWIDTH_UNITS).join(', ')}`);
  const bitsPerS = Number(b[1]) * bScale;
  if (!(bitsPerS > 0)) throw new Error(`link '${text}': bandwidth must be above 0`);
  let latencyS = 0;
  if (latency !== undefined) {
    const l = new RegExp(`^${NUMBER}\\s*([a-zµ]+)$`).exec(latency);
    const lScale = l ? LATENCY_UNITS[l[2]] : undefined;
    if (!l || lScale === undefined) throw new Error(`link '${text}': latency '${latency}' needs a unit: ${Object.keys(LATENCY_UNITS).join(', ')}`);
    latencyS = Number(l[1]) * lScale;
  }
  return { bitsPerS, latencyS, text };
}

/** Seconds the link is busy sending `bytes` (what limits a pipeline's rate). */
export function serialisationS(bytes: number, link: Link): number {
  return (8 * bytes) / link.bitsPerS;
}

/** Seconds from the first byte sent to the last received, as one message; nothing sent costs nothing. */
export function transferS(bytes: number, link: Link): number {
  return bytes > 0 ? link.latencyS + serialisationS(bytes, link) : 0;
}
