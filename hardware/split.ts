/**
 * Splitting one model across devices (ParetoPipe's question): every contiguous partition of a model's chain
 * (split-chain.ts) over devices given in order, each stage on its device, priced by the roofline.
 *
 * A request starts on the first device (the origin: where the image or prompt is) and its result returns there.
 * Its path visits the non-empty stages in order; each hop between devices sends one message over the link
 * (link.ts): the input to the first stage, the tensor at each cut, the result back to the origin.
 * - Latency of one request: Σ stage times + Σ hop times.
 * - Pipelined throughput: 1 / the slowest stage, where each hop's serialisation is a stage of its own (a link
 *   per pair of devices, full duplex; propagation delay does not limit the rate).
 * - Memory per device: the weights of its units (shared tied embeddings once), the KV cache of its layers, and
 *   its largest operator's activations; whether that fits the device.
 * - Energy per device: the roofline's energy of its units (idle power over its own busy time, plus dynamic power);
 *   time spent waiting for other stages and the network interface's energy are not counted.
 * LLMs: the prefill and a decode step take the same path; a decode step sends one token id in, one token's hidden
 * state across each cut, and the sampled token id back. End to end = TTFT + generated tokens × step latency.
 * Decode throughput counts enough sequences in flight to fill the pipeline (tokens/s over the whole batch).
 */
import type { Op } from '../core/ops.js';
import { paretoIndices } from '../core/pareto.js';
import { SIZE_LIMITS } from '../core/size-limits.js';
import type { DeviceProfile } from './device.js';
import { serialisationS, transferS, type Link } from './link.js';
import { analyzeForward, energyJ, llmOpTotals } from './roofline.js';
import type { Chain } from './split-chain.js';

/** One unit's cost on one device. */
export interface UnitPrice {
  /** The forward pass (CNN) or the prefill (LLM), s. */
  readonly prefillS: number;
  /** All decode steps of the workload, s. */
  readonly decodeS: number;
  readonly prefillEnergyJ: number;
  readonly decodeEnergyJ: number;
  /** Largest activations one of its operators reads and writes, bytes. */
  readonly activationBytes: number;
}

/**
 * The cost of every unit of `chain` on `device`. A unit's price depends on its operators alone (the rest is the
 * chain's and the device's), and an LLM chain gives every layer of one type the same operator array: each distinct
 * array is priced once.
 */
export function priceUnits(chain: Chain, device: DeviceProfile, ideal = false): UnitPrice[] {
  const byOps = new Map<readonly Op[], UnitPrice>();
  return chain.units.map((unit) => {
    let price = byOps.get(unit.ops);
    if (!price) byOps.set(unit.ops, (price = priceOps(chain, unit.ops, device, ideal)));
    return price;
  });
}

function priceOps(chain: Chain, ops: readonly Op[], device: DeviceProfile, ideal: boolean): UnitPrice {
  let activationBytes = 0;
  for (const op of ops) if (op.phase !== 'decode') activationBytes = Math.max(activationBytes, op.base.activationBytesRead + op.base.activationBytesWritten);
  if (chain.kind === 'cnn') {
    const f = analyzeForward(ops, device, chain.precision, ideal);
    return { prefillS: f.latencyMs / 1e3, decodeS: 0, prefillEnergyJ: f.energyJ, decodeEnergyJ: 0, activationBytes };
  }
  const totals = llmOpTotals(chain.arch, ops, chain.workload, device, ideal);
  const sums = { prefill: [0, 0], decode: [0, 0] }; // [time, busy] per phase
  totals.forEach((t, i) => {
    const phase = ops[i].phase === 'prefill' ? sums.prefill : sums.decode;
    if (phase === sums.decode && chain.workload.generatedTokens === 0) return;
    phase[0] += t.timeS;
    phase[1] += Math.max(t.computeS, t.memoryS);
  });
  return { prefillS: sums.prefill[0], decodeS: sums.decode[0], prefillEnergyJ: energyJ(device, sums.prefill[0], sums.prefill[1]), decodeEnergyJ: energyJ(device, sums.decode[0], sums.decode[1]), activationBytes };
}

/** How many partitions `partitions(units, devices)` yields: C(units + devices − 1, devices − 1). */
export function partitionCount(units: number, devices: number): number {
  let count = 1;
  // C(n, k) as a running product; each step's value is itself a binomial coefficient, so it stays an integer.
  for (let i = 1; i < devices; i++) count = (count * (units + i)) / i;
  return count;
}

/**
 * Every contiguous partition of `units` units over `devices` devices in order, as the k − 1 cut positions
 * 0 ≤ c1 ≤ … ≤ c(k−1) ≤ units (stage s runs units [c(s), c(s+1)); a stage may be empty, its device then unused):
 * C(units + k − 1, k − 1) of them.
 */
export function* partitions(units: number, devices: number): Generator<number[]> {
  const cuts = new Array<number>(devices - 1).fill(0);
  if (devices === 1) {
    yield [];
    return;
  }
  while (true) {
    yield cuts.slice();
    let i = cuts.length - 1;
    while (i >= 0 && cuts[i] === units) i--;
    if (i < 0) return;
    cuts[i]++;
    for (let j = i + 1; j < cuts.length; j++) cuts[j] = cuts[i];
  }
}

export interface StagePrice {
  readonly device: string;
  /** Units [from, to); empty when from === to. */
  readonly from: number;
  readonly to: number;
  /** Forward pass or prefill, ms. */
  readonly prefillMs: number;
  /** One decode step (mean over the workload's steps), ms. */
  readonly decodeMsPerStep: number;
  readonly memoryBytes: number;
  readonly fits: boolean;
  readonly energyJ: number;
}

/** One message between devices (indices into the device list). */
export interface Hop {
  readonly from: number;
  readonly to: number;
  readonly bytes: number;
  readonly ms: number;
}

/** A request's path through the stages: its latency, the pipelined rate, and what bounds that rate. */
export interface PhasePrice {
  readonly latencyMs: number;
  /** Requests (CNN, LLM prefill) or tokens (LLM decode) per second when pipelined. */
  readonly perS: number;
  /** The slowest stage or hop: a device id, or 'link a→b'. */
  readonly bottleneck: string;
  readonly hops: readonly Hop[];
}

export interface SplitPrice {
  readonly cuts: readonly number[];
  readonly stages: readonly StagePrice[];
  readonly fits: boolean;
  /** The forward pass (CNN) or the prefill (LLM). */
  readonly prefill: PhasePrice;
  /** LLM: one decode step. */
  readonly decode?: PhasePrice;
  /** One request end to end: CNN the forward pass; LLM TTFT + generated tokens × decode step. */
  readonly latencyMs: number;
  readonly energyJ: number;
  /** Bytes over the link per request (all decode steps included). */
  readonly transferBytes: number;
}

/**
 * What a device holds: the weights of `units` (shared ones once), their KV cache (`kv`: bytes of unit u), and
 * its largest operator's activations.
 */
function deviceMemory(chain: Chain, prices: readonly UnitPrice[], units: Iterable<number>, kv: (u: number) => number): number {
  let bytes = 0;
  let activation = 0;
  const shared = new Map<string, number>();
  for (const u of units) {
    const unit = chain.units[u];
    bytes += unit.weightBytes + kv(u);
    if (unit.sharedWeights) shared.set(unit.sharedWeights.key, unit.sharedWeights.bytes);
    activation = Math.max(activation, prices[u].activationBytes);
  }
  for (const b of shared.values()) bytes += b;
  return bytes + activation;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** A request's path over the non-empty stages: hops carry `input`, the tensors at the cuts, `result`. */
function pathPrice(
  stages: readonly { index: number; to: number; s: number }[],
  ids: readonly string[],
  link: Link,
  input: number,
  handOn: (unitIndex: number) => number,
  result: number,
  scale: number,
): PhasePrice {
  const hops: Hop[] = [];
  let at = 0;
  let latencyS = 0;
  let worstS = 0;
  let bottleneck = '';
  const consider = (busyS: number, what: string) => {
    if (busyS > worstS) {
      worstS = busyS;
      bottleneck = what;
    }
  };
  const send = (to: number, bytes: number) => {
    if (to === at) return;
    const h = { from: at, to, bytes, ms: transferS(bytes, link) * 1e3 };
    hops.push(h);
    latencyS += h.ms / 1e3;
    consider(serialisationS(bytes, link), `link ${ids[at]}→${ids[to]}`);
    at = to;
  };
  let carried = input;
  for (const st of stages) {
    send(st.index, carried);
    latencyS += st.s;
    consider(st.s, ids[st.index]);
    carried = handOn(st.to - 1);
  }
  send(0, result);
  return { latencyMs: latencyS * 1e3, perS: worstS > 0 ? scale / worstS : Infinity, bottleneck, hops };
}

/** Prices one partition (`cuts` as from `partitions`) of `chain` over `devices`, given each device's unit prices. */
export function pricePartition(chain: Chain, devices: readonly DeviceProfile[], prices: readonly (readonly UnitPrice[])[], link: Link, cuts: readonly number[]): SplitPrice {
  const n = chain.units.length;
  const bounds = [0, ...cuts, n];
  const steps = chain.kind === 'llm' ? chain.workload.generatedTokens : 0;
  const stages: StagePrice[] = devices.map((device, i) => {
    const from = bounds[i];
    const to = bounds[i + 1];
    let prefillS = 0, decodeS = 0, energyJ = 0;
    for (let u = from; u < to; u++) {
      prefillS += prices[i][u].prefillS;
      decodeS += prices[i][u].decodeS;
      energyJ += prices[i][u].prefillEnergyJ + prices[i][u].decodeEnergyJ;
    }
    const memoryBytes = from < to ? deviceMemory(chain, prices[i], range(from, to), (u) => chain.units[u].kvBytes) : 0;
    return { device: device.id, from, to, prefillMs: prefillS * 1e3, decodeMsPerStep: steps > 0 ? (decodeS / steps) * 1e3 : 0, memoryBytes, fits: memoryBytes <= device.memoryBytes, energyJ };
  });
  const used = stages.map((st, index) => ({ ...st, index })).filter((st) => st.to > st.from);
  const ids = devices.map((d) => d.id);
  const prefill = pathPrice(used.map((st) => ({ ...st, s: st.prefillMs / 1e3 })), ids, link, chain.inputBytes, (u) => chain.units[u].outputBytes, chain.resultBytes, 1);
  let decode: PhasePrice | undefined;
  let latencyMs = prefill.latencyMs;
  let transferBytes = prefill.hops.reduce((s, h) => s + h.bytes, 0);
  if (chain.kind === 'llm') {
    decode = pathPrice(used.map((st) => ({ ...st, s: st.decodeMsPerStep / 1e3 })), ids, link, chain.decodeInputBytes, (u) => chain.units[u].decodeOutputBytes, chain.resultBytes, chain.workload.batch);
    latencyMs += steps * decode.latencyMs;
    transferBytes += steps * decode.hops.reduce((s, h) => s + h.bytes, 0);
  }
  return {
    cuts: cuts.slice(),
    stages,
    fits: stages.every((st) => st.fits),
    prefill,
    ...(decode ? { decode } : {}),
    latencyMs,
    energyJ: stages.reduce((s, st) => s + st.energyJ, 0),
    transferBytes,
  };
}

/** Every partition of `chain` over `devices`, priced over `link`. */
export function priceAllPartitions(chain: Chain, devices: readonly DeviceProfile[], link: Link, prices: readonly (readonly UnitPrice[])[] = devices.map((d) => priceUnits(chain, d))): SplitPrice[] {
  if (devices.length === 0) throw new Error('split: no devices');
  const count = partitionCount(chain.units.length, devices.length);
  if (count > SIZE_LIMITS.partitions) throw new Error(`split: ${chain.units.length} units over ${devices.length} devices make ${count.toExponential(2)} partitions, above the limit of ${SIZE_LIMITS.partitions}; use fewer devices`);
  const out: SplitPrice[] = [];
  for (const cuts of partitions(chain.units.length, devices.length)) out.push(pricePartition(chain, devices, prices, link, cuts));
  return out;
}

/** Which path a frontier is over: the whole request (CNN forward pass), the prefill, or a decode step. */
export type SplitPhase = 'prefill' | 'decode';

/** The latency (min) and pipelined rate (max) of a partition in a phase, as a minimisation vector. */
export function splitObjectives(p: SplitPrice, phase: SplitPhase): [number, number] {
  const ph = phase === 'decode' ? p.decode : p.prefill;
  if (!ph) throw new Error('split: no decode phase for a CNN');
  return [ph.latencyMs, -ph.perS];
}

/** Indices of the partitions that fit and are Pareto-optimal in latency vs pipelined throughput. */
export function splitFrontier(prices: readonly SplitPrice[], phase: SplitPhase): number[] {
  return paretoIndices(prices.map((p) => splitObjectives(p, phase)), prices.map((p) => (p.fits ? 0 : 1)));
}

/** The partition running every unit on device `d` (cuts all at 0 before it, all at n from it on). */
export function allOnCuts(units: number, devices: number, d: number): number[] {
  return Array.from({ length: devices - 1 }, (_, i) => (i < d ? 0 : units));
}

/** A partition that fits and dominates `p` in `phase`, or undefined. */
export function dominatorOf(p: SplitPrice, prices: readonly SplitPrice[], phase: SplitPhase): SplitPrice | undefined {
  const [l, r] = splitObjectives(p, phase);
  return prices.find((q) => {
    if (!q.fits) return false;
    const [lq, rq] = splitObjectives(q, phase);
    return lq <= l && rq <= r && (lq < l || rq < r);
  });
}

/** `raspberry-pi-5[stem…block4.layer1] → rtx-4090[block4.layer2…head.classifier]`, or `all on rtx-4090`. */
export function describePartition(chain: Chain, p: SplitPrice): string {
  const used = p.stages.filter((st) => st.to > st.from);
  if (used.length === 1) return `all on ${used[0].device}`;
  return used.map((st) => `${st.device}[${chain.units[st.from].name}${st.to - st.from > 1 ? `…${chain.units[st.to - 1].name}` : ''}]`).join(' → ');
}

/** An LLM served with one partition for the prefill and another for decoding: the KV cache moves in between. */
export interface SeparatePrice {
  readonly prefillCuts: readonly number[];
  readonly decodeCuts: readonly number[];
  /** KV cache (and recurrent state) of the layers whose device changes, sent once after the prefill. */
  readonly kvMoveBytes: number;
  readonly kvMoveMs: number;
  /** Per device: weights of every unit it runs in either phase, its KV cache, its largest activations. */
  readonly memoryBytes: readonly number[];
  readonly fits: boolean;
  /** TTFT + KV move + generated tokens × decode step. */
  readonly latencyMs: number;
  readonly energyJ: number;
}

/**
 * Prefill on one partition and decode on another (`prefill` and `decode` priced by pricePartition with those
 * cuts): each layer's KV cache, written by the prefill on its prefill device, is sent to its decode device, one
 * message per pair of devices, one after another over the link.
 */
export function priceSeparately(chain: Chain, devices: readonly DeviceProfile[], prices: readonly (readonly UnitPrice[])[], link: Link, prefill: SplitPrice, decode: SplitPrice): SeparatePrice {
  if (chain.kind !== 'llm' || !decode.decode) throw new Error('split: prefill and decode are separate phases of an LLM only');
  const n = chain.units.length;
  const deviceOf = (cuts: readonly number[]) => {
    const bounds = [0, ...cuts, n];
    const of = new Array<number>(n);
    for (let d = 0; d < devices.length; d++) for (let u = bounds[d]; u < bounds[d + 1]; u++) of[u] = d;
    return of;
  };
  const pd = deviceOf(prefill.cuts);
  const dd = deviceOf(decode.cuts);
  const moves = new Map<string, number>();
  let kvMoveBytes = 0;
  for (let u = 0; u < n; u++) {
    const bytes = chain.units[u].kvBytesAfterPrefill;
    if (pd[u] === dd[u] || bytes === 0) continue;
    const key = `${pd[u]}>${dd[u]}`;
    moves.set(key, (moves.get(key) ?? 0) + bytes);
    kvMoveBytes += bytes;
  }
  let kvMoveS = 0;
  for (const bytes of moves.values()) kvMoveS += transferS(bytes, link);
  let energyJ = 0;
  for (let u = 0; u < n; u++) energyJ += prices[pd[u]][u].prefillEnergyJ + prices[dd[u]][u].decodeEnergyJ;
  const memoryBytes = devices.map((_, d) => {
    const units = range(0, n).filter((u) => pd[u] === d || dd[u] === d);
    return units.length ? deviceMemory(chain, prices[d], units, (u) => (dd[u] === d ? chain.units[u].kvBytes : chain.units[u].kvBytesAfterPrefill)) : 0;
  });
  const steps = chain.workload.generatedTokens;
  return {
    prefillCuts: prefill.cuts,
    decodeCuts: decode.cuts,
    kvMoveBytes,
    kvMoveMs: kvMoveS * 1e3,
    memoryBytes,
    fits: memoryBytes.every((b, d) => b <= devices[d].memoryBytes),
    latencyMs: prefill.prefill.latencyMs + kvMoveS * 1e3 + steps * decode.decode.latencyMs,
    energyJ,
  };
}

/**
 * The fastest end to end over every (prefill partition, decode partition) pair that fits; of equally fast pairs,
 * the first in the order of `all` (prefill, then decode). A branch and bound over both lists sorted by latency:
 * a pair costs at least its prefill plus its decode steps (a KV move only adds), so once that bound passes the
 * best found, the rest of a sorted list cannot win — the P² pairs of a 3- or 4-way split are mostly never priced.
 */
export function bestSeparately(chain: Chain, devices: readonly DeviceProfile[], prices: readonly (readonly UnitPrice[])[], link: Link, all: readonly SplitPrice[]): SeparatePrice | undefined {
  if (all.length === 0) return undefined;
  const steps = chain.kind === 'llm' ? chain.workload.generatedTokens : 0;
  const order = (ms: (p: SplitPrice) => number) => all.map((_, i) => i).sort((a, b) => ms(all[a]) - ms(all[b]) || a - b);
  const byPrefill = order((p) => p.prefill.latencyMs);
  const byDecode = order((p) => p.decode!.latencyMs);
  const fastestDecodeMs = all[byDecode[0]].decode!.latencyMs;
  let best: { s: SeparatePrice; p: number; d: number } | undefined;
  for (const p of byPrefill) {
    const prefillMs = all[p].prefill.latencyMs;
    if (best && prefillMs + steps * fastestDecodeMs > best.s.latencyMs) break;
    for (const d of byDecode) {
      if (best && prefillMs + steps * all[d].decode!.latencyMs > best.s.latencyMs) break;
      const s = priceSeparately(chain, devices, prices, link, all[p], all[d]);
      if (!s.fits) continue;
      if (!best || s.latencyMs < best.s.latencyMs || (s.latencyMs === best.s.latencyMs && (p < best.p || (p === best.p && d < best.d)))) best = { s, p, d };
    }
  }
  return best?.s;
}

/** Where the partition running everything on one device stands in a phase. */
export interface AllOnStatus {
  readonly device: string;
  /** Index into the summary's partitions. */
  readonly index: number;
  readonly fits: boolean;
  /** A fitting partition that dominates it (index), if any. */
  readonly dominatedBy?: number;
}

/** The answer for one link: every partition, the frontier per phase, the single-device partitions' standing. */
export interface SplitSummary {
  readonly link: Link;
  readonly partitions: readonly SplitPrice[];
  readonly phases: readonly { readonly phase: SplitPhase; readonly frontier: readonly number[]; readonly allOn: readonly AllOnStatus[] }[];
  /** LLM: the fastest end to end with one partition for the prefill and another for decoding (KV moved). */
  readonly separately?: SeparatePrice;
  /** The fitting partition with the lowest end-to-end latency (index), if any fits. */
  readonly fastest?: number;
}

/** Prices every partition of `chain` over `devices` and `link` and summarises them. */
export function summarizeSplit(chain: Chain, devices: readonly DeviceProfile[], link: Link, prices: readonly (readonly UnitPrice[])[] = devices.map((d) => priceUnits(chain, d))): SplitSummary {
  const all = priceAllPartitions(chain, devices, link, prices);
  const key = (cuts: readonly number[]) => cuts.join(',');
  const index = new Map(all.map((p, i) => [key(p.cuts), i]));
  const phases = (chain.kind === 'llm' ? (['prefill', 'decode'] as const) : (['prefill'] as const)).map((phase) => ({
    phase,
    frontier: splitFrontier(all, phase),
    allOn: devices.map((d, i): AllOnStatus => {
      const at = index.get(key(allOnCuts(chain.units.length, devices.length, i)))!;
      const dominator = dominatorOf(all[at], all, phase);
      return { device: d.id, index: at, fits: all[at].fits, ...(dominator ? { dominatedBy: all.indexOf(dominator) } : {}) };
    }),
  }));
  let fastest: number | undefined;
  all.forEach((p, i) => {
    if (p.fits && (fastest === undefined || p.latencyMs < all[fastest].latencyMs)) fastest = i;
  });
  const separately = chain.kind === 'llm' ? bestSeparately(chain, devices, prices, link, all) : undefined;
  return { link, partitions: all, phases, ...(separately ? { separately } : {}), ...(fastest !== undefined ? { fastest } : {}) };
}
