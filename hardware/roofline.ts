import { uniformWeights, weightPrecision, WEIGHT_CLASSES, type LlmArchitecture, type WeightClass } from '../core/architecture.js';
import { lowerLlm } from '../core/lower-llm.js';
import { costBytes, type Op, type OpCost, type OpKind, type Phase } from '../core/ops.js';
import { countParams, linearMixerInnerChannels, MAMBA2_CONV_KERNEL, mamba2Dims, SHORT_CONV_KERNEL, type ParamCounts } from '../core/params.js';
import { BYTES_PER_ELEMENT, computePrecision, type Precision } from '../core/precision.js';
import type { Workload } from '../core/workload.js';
import type { DeviceProfile } from './device.js';
import { peakFlopsPerS } from './devices.js';

/*
 * The roofline: each operator takes max(FLOPs / attainable FLOP/s, bytes / attainable bandwidth) plus a fixed
 * launch overhead. Attainable = peak × efficiency (both 1, and no overhead, in ideal mode).
 * Energy: idle power for the whole time, plus (max − idle) power while the binding resource is busy.
 */

export type Bound = 'compute' | 'memory' | 'overhead';

/** Attainable rates of one device for one operator precision. */
interface Rates {
  readonly flopsPerS: number;
  readonly bytesPerS: number;
  readonly overheadS: number;
}

export function deviceRates(device: DeviceProfile, precision: Precision, ideal = false): Rates {
  return {
    flopsPerS: peakFlopsPerS(device, precision) * (ideal ? 1 : device.computeEfficiency),
    bytesPerS: device.memoryBandwidthBytesPerS * (ideal ? 1 : device.memoryEfficiency),
    overheadS: ideal ? 0 : device.opOverheadS,
  };
}

/** A matmul's rates in prefill and in decode (matrix–vector products). */
interface MatmulRates {
  readonly matmul: Rates;
  readonly decodeMatmul: Rates;
}

/** The attainable rates of an LLM's operator classes on a device. */
interface RateClasses {
  /** Matmuls by the class of weights they read: the compute precision is the wider of those weights and the activations. */
  readonly matmulByClass: Readonly<Record<WeightClass | 'norms', MatmulRates>>;
  readonly attention: Rates;
  readonly singleBatchAttention: Rates;
  readonly elementwise: Rates;
}

/**
 * Rates per operator class, each computed once per model (three precisions at most: matmul, attention,
 * element-wise). A profile's runtime extension gives decode-step matmuls (matrix–vector products), attention,
 * unbatched attention and element-wise operators their own attained efficiencies; without one, every matmul
 * shares one rate, and so does all attention.
 */
function llmRateClasses(arch: LlmArchitecture, device: DeviceProfile, ideal: boolean): RateClasses {
  const runtime = ideal ? undefined : device.runtime;
  const withFlops = (r: Rates, precision: Precision, efficiency: number | undefined): Rates =>
    efficiency === undefined ? r : { ...r, flopsPerS: peakFlopsPerS(device, precision) * efficiency };
  const matmulRates = (precision: Precision): MatmulRates => {
    const matmul = deviceRates(device, precision, ideal);
    return { matmul, decodeMatmul: withFlops(matmul, precision, runtime?.decodeMatmulEfficiency) };
  };
  const norms = matmulRates(opPrecision(arch, 'matmul', 'norms'));
  // A uniform model (every class in `weights`) prices every matmul alike: one rate, computed once.
  const uniform = uniformWeights(arch.precision);
  const byClass = { norms } as Record<WeightClass | 'norms', MatmulRates>;
  for (const cls of WEIGHT_CLASSES) byClass[cls] = uniform ? norms : matmulRates(opPrecision(arch, 'matmul', cls));
  const attentionPrecision = opPrecision(arch, 'attention-score');
  const attentionBase = deviceRates(device, attentionPrecision, ideal);
  const attention = withFlops(attentionBase, attentionPrecision, runtime?.attentionEfficiency);
  const elementwiseBase = deviceRates(device, opPrecision(arch, 'norm'), ideal);
  const elementwiseEfficiency = runtime?.elementwiseMemoryEfficiency;
  return {
    matmulByClass: byClass,
    attention,
    singleBatchAttention: runtime?.singleBatchAttentionEfficiency === undefined ? attention : withFlops(attentionBase, attentionPrecision, runtime.singleBatchAttentionEfficiency),
    elementwise: elementwiseEfficiency === undefined ? elementwiseBase : { ...elementwiseBase, bytesPerS: device.memoryBandwidthBytesPerS * elementwiseEfficiency },
  };
}

function rateClassOf(op: Op, rates: RateClasses): Rates {
  if (isMatmulKind(op.kind)) {
    const m = rates.matmulByClass[op.weightClass ?? 'norms'];
    return op.phase === 'decode' ? m.decodeMatmul : m.matmul;
  }
  if (op.kind === 'attention-score' || op.kind === 'attention-context') return op.matmulBatch === 1 ? rates.singleBatchAttention : rates.attention;
  return rates.elementwise;
}

/** Time of one operator instance: max(compute, memory) + overhead. */
export function opTimeS(c: OpCost, device: DeviceProfile, precision: Precision, ideal = false): number {
  const r = deviceRates(device, precision, ideal);
  return Math.max(c.flops / r.flopsPerS, costBytes(c) / r.bytesPerS) + r.overheadS;
}

/** Σ_{c=lo..hi} (α + β·c) */
function sumAffine(alpha: number, beta: number, lo: number, hi: number): number {
  if (hi < lo) return 0;
  const n = hi - lo + 1;
  return n * alpha + (beta * (lo + hi) * n) / 2;
}

/** Σ_{c=lo..hi} max(a + b·c, g + h·c), exactly, by splitting at the crossover. */
export function sumMaxAffine(a: number, b: number, g: number, h: number, lo: number, hi: number): number {
  if (hi < lo) return 0;
  if (b === h) return sumAffine(Math.max(a, g), b, lo, hi);
  const cross = (g - a) / (b - h); // f ≥ g for c ≥ cross when b > h
  if (b > h) {
    const first = Math.min(hi + 1, Math.max(lo, Math.ceil(cross)));
    return sumAffine(g, h, lo, first - 1) + sumAffine(a, b, first, hi);
  }
  const last = Math.max(lo - 1, Math.min(hi, Math.floor(cross)));
  return sumAffine(a, b, lo, last) + sumAffine(g, h, last + 1, hi);
}

/** Per-op totals over a phase (all `count` instances and, for decode, every step). */
export interface OpTotals {
  readonly flops: number;
  readonly bytes: number;
  readonly computeS: number;
  readonly memoryS: number;
  readonly overheadS: number;
  /** Σ max(compute, memory) + overhead over instances and steps: the op's latency. */
  readonly timeS: number;
}

function isMatmulKind(kind: OpKind): boolean {
  return kind === 'matmul' || kind === 'lm-head' || kind === 'router' || kind === 'conv';
}

function opPrecision(arch: LlmArchitecture, kind: OpKind, weightClass: WeightClass | 'norms' = 'norms'): Precision {
  const p = arch.precision;
  if (isMatmulKind(kind)) return computePrecision(weightPrecision(p, weightClass), p.activations);
  if (kind === 'attention-score' || kind === 'attention-context') return computePrecision(p.kvCache, p.activations);
  return p.activations;
}

/**
 * Totals of one op: prefill (one pass) or decode summed over the steps that attend to lo..hi positions,
 * in closed form (the sum of a max of two affine functions splits at their crossover; a window caps growth).
 */
export function opTotals(op: Op, rates: Rates, lo: number, hi: number, overheadS = op.fused ? 0 : rates.overheadS): OpTotals {
  const base = op.base;
  const baseBytes = costBytes(base);
  const per = op.perContextToken;
  const steps = op.phase === 'decode' ? hi - lo + 1 : 1;
  if (!per) {
    const computeS = base.flops / rates.flopsPerS;
    const memoryS = baseBytes / rates.bytesPerS;
    return scale(op.count, {
      flops: base.flops * steps,
      bytes: baseBytes * steps,
      computeS: computeS * steps,
      memoryS: memoryS * steps,
      overheadS: overheadS * steps,
      timeS: (Math.max(computeS, memoryS) + overheadS) * steps,
    });
  }
  const perBytes = costBytes(per);
  const a = base.flops / rates.flopsPerS;
  const b = per.flops / rates.flopsPerS;
  const g = baseBytes / rates.bytesPerS;
  const h = perBytes / rates.bytesPerS;
  const cap = op.contextCapTokens ?? Infinity;
  const growHi = Math.min(hi, cap); // steps whose context is below the cap grow; the rest are flat at the cap
  const flatSteps = Math.max(0, hi - Math.max(lo - 1, cap));
  const ctxSum = (lo <= growHi ? ((lo + growHi) * (growHi - lo + 1)) / 2 : 0) + flatSteps * (Number.isFinite(cap) ? cap : 0);
  const flatMax = flatSteps > 0 ? flatSteps * Math.max(a + b * cap, g + h * cap) : 0;
  return scale(op.count, {
    flops: base.flops * steps + per.flops * ctxSum,
    bytes: baseBytes * steps + perBytes * ctxSum,
    computeS: a * steps + b * ctxSum,
    memoryS: g * steps + h * ctxSum,
    overheadS: overheadS * steps,
    timeS: sumMaxAffine(a, b, g, h, lo, growHi) + flatMax + overheadS * steps,
  });
}

/** Time of one instance of a decode op at a step attending to `context` positions. */
function stepTimeS(op: Op, rates: Rates, context: number, overheadS = op.fused ? 0 : rates.overheadS): number {
  const per = op.perContextToken;
  const c = per ? Math.min(context, op.contextCapTokens ?? Infinity) : 0;
  const flops = op.base.flops + (per ? per.flops * c : 0);
  const bytes = costBytes(op.base) + (per ? costBytes(per) * c : 0);
  return Math.max(flops / rates.flopsPerS, bytes / rates.bytesPerS) + overheadS;
}

/** Lookup keys of an op, most specific first: phase-qualified name tails (longest first), plain tails, kind. */
function kernelKeys(op: Op): string[] {
  const parts = op.name.split('.');
  const tails: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    // The first segment of a layer op is its group ('layer', 'layer[attention+mlp]'), not part of its role.
    if (i === 0 && parts.length > 1 && parts[0].startsWith('layer')) continue;
    tails.push(parts.slice(i).join('.'));
  }
  return [...tails.map((t) => `${op.phase}:${t}`), ...tails, `${op.phase}:${op.kind}`, op.kind];
}

/** Per kernel table: kernels by phase, then by op name (a name fixes the op's kind and fusion within a phase). */
const kernelCache = new WeakMap<object, Map<string, Map<string, number>>>();

/**
 * Kernels launched for one instance of `op` on `device`: the profile's runtime table (device.ts RuntimeProfile)
 * times the op's launches; without a table, 1 (0 when fused), as the built-in profiles assume.
 */
export function kernelsOf(op: Op, device: DeviceProfile): number {
  const table = device.runtime?.kernelsPerOp;
  if (!table) return op.fused ? 0 : 1;
  let byPhase = kernelCache.get(table);
  if (!byPhase) kernelCache.set(table, (byPhase = new Map()));
  let byName = byPhase.get(op.phase);
  if (!byName) byPhase.set(op.phase, (byName = new Map()));
  let k = byName.get(op.name);
  if (k === undefined) {
    k = op.fused ? 0 : 1;
    for (const key of kernelKeys(op)) {
      if (table[key] !== undefined) {
        k = table[key];
        break;
      }
    }
    byName.set(op.name, k);
  }
  return k * (op.launches ?? 1);
}

function scale(k: number, t: OpTotals): OpTotals {
  if (k === 1) return t;
  return { flops: t.flops * k, bytes: t.bytes * k, computeS: t.computeS * k, memoryS: t.memoryS * k, overheadS: t.overheadS * k, timeS: t.timeS * k };
}

/**
 * Energy of `timeS` seconds on `device` of which `busyS` are spent at the roofline's bound (compute or memory):
 * idle power throughout, plus the dynamic power (max − idle) while busy. Joules.
 */
export function energyJ(device: DeviceProfile, timeS: number, busyS: number): number {
  return device.idlePowerW * timeS + (device.maxPowerW - device.idlePowerW) * busyS;
}

export function boundOf(t: OpTotals): Bound {
  if (t.overheadS > t.computeS && t.overheadS > t.memoryS) return 'overhead';
  return t.computeS >= t.memoryS ? 'compute' : 'memory';
}

export interface OpReport {
  readonly name: string;
  readonly kind: OpKind;
  readonly phase: Phase;
  readonly count: number;
  readonly flops: number;
  readonly bytes: number;
  readonly latencyMs: number;
  /** FLOPs per byte moved. */
  readonly arithmeticIntensity: number;
  readonly bound: Bound;
  /** Share of the end-to-end latency. */
  readonly share: number;
}

export interface LlmAnalysis {
  readonly mode: 'roofline' | 'ideal' | 'paper';
  readonly params: ParamCounts;
  readonly prefill: { readonly flops: number; readonly bytes: number; readonly latencyMs: number };
  readonly decode: {
    readonly steps: number;
    readonly flops: number;
    readonly bytes: number;
    /** Mean bytes moved per decode step. */
    readonly bytesPerToken: number;
    readonly latencyMs: number;
    /** Mean time per decode step. */
    readonly latencyMsPerToken: number;
    readonly firstStepMs: number;
    readonly lastStepMs: number;
    /** Generated tokens per second over the whole batch. */
    readonly tokensPerS: number;
  };
  readonly ttftMs: number;
  readonly totalLatencyMs: number;
  readonly memory: {
    readonly weightsBytes: number;
    readonly kvCacheBytes: number;
    readonly activationBytes: number;
    readonly totalBytes: number;
    readonly fits: boolean;
  };
  readonly energyJ: number;
  readonly energyJPerToken: number;
  /**
   * Where the time goes, per phase: Σ compute time, Σ memory time and Σ overhead over the ops (each op costs the
   * max of the first two plus the third). Roofline-guided search reads it to know which resource binds.
   */
  readonly breakdown: { readonly prefill: PhaseBreakdown; readonly decode: PhaseBreakdown };
  /** Per operator, in lowering order (empty in paper mode). */
  readonly ops: readonly OpReport[];
}

/** KV cache (attention) plus recurrent state (linear mixers) at the end of the workload. */
export function kvCacheBytes(arch: LlmArchitecture, w: Workload): number {
  const bk = BYTES_PER_ELEMENT[arch.precision.kvCache];
  const context = w.promptTokens + w.generatedTokens;
  let elements = 0;
  for (const layer of arch.layers) {
    const m = layer.mixer;
    if (!m) continue;
    if (m.kind === 'attention') elements += 2 * arch.kvHeads * arch.headDim * context;
    else if (m.kind === 'sliding-window') elements += 2 * arch.kvHeads * arch.headDim * Math.min(context, m.windowTokens);
    else {
      const inner = linearMixerInnerChannels(arch, m);
      const conv = m.variant === 'mamba2' ? mamba2Dims(arch, m).convChannels * (MAMBA2_CONV_KERNEL - 1) : m.variant === 'deltanet' ? 3 * inner * (SHORT_CONV_KERNEL - 1) : 0;
      elements += inner * m.stateSize + conv;
    }
  }
  return w.batch * elements * bk;
}

/** Bytes of every weight in memory: each class's parameters at its storage precision (all experts counted). */
export function weightsInMemoryBytes(arch: LlmArchitecture, params: ParamCounts): number {
  const p = arch.precision;
  if (uniformWeights(p)) return params.total * BYTES_PER_ELEMENT[p.weights];
  let bytes = params.byClass.norms * BYTES_PER_ELEMENT[p.weights];
  for (const cls of WEIGHT_CLASSES) bytes += params.byClass[cls] * BYTES_PER_ELEMENT[weightPrecision(p, cls)];
  return bytes;
}

export interface PhaseBreakdown {
  readonly computeMs: number;
  readonly memoryMs: number;
  readonly overheadMs: number;
}

export interface AnalyzeOptions {
  /** Efficiency 1 and no overhead: the pure roofline. */
  readonly ideal?: boolean;
  /** Skip the per-op report (the totals are identical); for sweeps that need only the metrics. */
  readonly skipOpReports?: boolean;
}

/** The rates and the launch overhead one LLM operator is priced at on a device. */
function llmOpPricing(arch: LlmArchitecture, device: DeviceProfile, ideal: boolean): (op: Op) => { rates: Rates; overheadS: number } {
  const rates = llmRateClasses(arch, device, ideal);
  const countKernels = !ideal && device.runtime?.kernelsPerOp !== undefined;
  return (op) => {
    const r = rateClassOf(op, rates);
    return { rates: r, overheadS: countKernels ? r.overheadS * kernelsOf(op, device) : op.fused ? 0 : r.overheadS };
  };
}

/** Totals of each of `ops` (some or all of an LLM's lowered operators) on a device, over the whole workload. */
export function llmOpTotals(arch: LlmArchitecture, ops: readonly Op[], workload: Workload, device: DeviceProfile, ideal = false): OpTotals[] {
  const pricing = llmOpPricing(arch, device, ideal);
  const lo = workload.promptTokens + 1;
  const hi = workload.promptTokens + workload.generatedTokens;
  return ops.map((op) => {
    const { rates, overheadS } = pricing(op);
    return opTotals(op, rates, lo, hi, overheadS);
  });
}

/** Prices a lowered LLM on a device: latency per phase, memory, energy and the per-op roofline view. */
export function analyzeLlm(arch: LlmArchitecture, workload: Workload, device: DeviceProfile, options: AnalyzeOptions = {}): LlmAnalysis {
  const ideal = options.ideal ?? false;
  const ops = lowerLlm(arch, workload);
  const params = countParams(arch);
  const lo = workload.promptTokens + 1;
  const hi = workload.promptTokens + workload.generatedTokens;
  const pricing = llmOpPricing(arch, device, ideal);

  let prefillFlops = 0, prefillBytes = 0, prefillS = 0;
  let decodeFlops = 0, decodeBytes = 0, decodeS = 0, firstStepS = 0, lastStepS = 0;
  let busyS = 0;
  let activationBytes = 0;
  const sums = { prefill: [0, 0, 0], decode: [0, 0, 0] };
  const totals: OpTotals[] = new Array(ops.length);
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    const { rates: r, overheadS } = pricing(op);
    const t = opTotals(op, r, lo, hi, overheadS);
    totals[i] = t;
    busyS += Math.max(t.computeS, t.memoryS);
    const phaseSums = op.phase === 'prefill' ? sums.prefill : sums.decode;
    phaseSums[0] += t.computeS;
    phaseSums[1] += t.memoryS;
    phaseSums[2] += t.overheadS;
    if (op.phase === 'prefill') {
      prefillFlops += t.flops;
      prefillBytes += t.bytes;
      prefillS += t.timeS;
      const act = op.base.activationBytesRead + op.base.activationBytesWritten;
      if (act > activationBytes) activationBytes = act;
    } else if (workload.generatedTokens > 0) {
      decodeFlops += t.flops;
      decodeBytes += t.bytes;
      decodeS += t.timeS;
      firstStepS += op.count * stepTimeS(op, r, lo, overheadS);
      lastStepS += op.count * stepTimeS(op, r, hi, overheadS);
    }
  }
  const totalS = prefillS + decodeS;
  const steps = workload.generatedTokens;
  const weightsBytes = weightsInMemoryBytes(arch, params);
  const kv = kvCacheBytes(arch, workload);
  const memoryTotal = weightsBytes + kv + activationBytes;
  const energy = energyJ(device, totalS, busyS);
  const generated = workload.batch * Math.max(1, steps);

  const opReports: OpReport[] = [];
  if (!options.skipOpReports) {
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      const t = totals[i];
      opReports.push({
        name: op.name,
        kind: op.kind,
        phase: op.phase,
        count: op.count,
        flops: t.flops,
        bytes: t.bytes,
        latencyMs: t.timeS * 1e3,
        arithmeticIntensity: t.bytes > 0 ? t.flops / t.bytes : Infinity,
        bound: boundOf(t),
        share: totalS > 0 ? t.timeS / totalS : 0,
      });
    }
  }

  return {
    mode: ideal ? 'ideal' : 'roofline',
    params,
    prefill: { flops: prefillFlops, bytes: prefillBytes, latencyMs: prefillS * 1e3 },
    decode: {
      steps,
      flops: decodeFlops,
      bytes: decodeBytes,
      bytesPerToken: steps > 0 ? decodeBytes / steps : 0,
      latencyMs: decodeS * 1e3,
      latencyMsPerToken: steps > 0 ? (decodeS / steps) * 1e3 : 0,
      firstStepMs: firstStepS * 1e3,
      lastStepMs: lastStepS * 1e3,
      tokensPerS: decodeS > 0 ? (workload.batch * steps) / decodeS : 0,
    },
    ttftMs: prefillS * 1e3,
    totalLatencyMs: totalS * 1e3,
    memory: { weightsBytes, kvCacheBytes: kv, activationBytes, totalBytes: memoryTotal, fits: memoryTotal <= device.memoryBytes },
    energyJ: energy,
    energyJPerToken: energy / generated,
    breakdown: {
      prefill: { computeMs: sums.prefill[0] * 1e3, memoryMs: sums.prefill[1] * 1e3, overheadMs: sums.prefill[2] * 1e3 },
      decode: { computeMs: sums.decode[0] * 1e3, memoryMs: sums.decode[1] * 1e3, overheadMs: sums.decode[2] * 1e3 },
    },
    ops: opReports,
  };
}

export interface ForwardAnalysis {
  readonly flops: number;
  readonly bytes: number;
  readonly latencyMs: number;
  readonly energyJ: number;
  readonly ops: readonly OpReport[];
}

/**
 * Prices one forward pass (CNN ops, phase 'forward') at a single precision. Depthwise convolutions take the runtime
 * extension's depthwise FLOP rate when the profile has one (device.ts RuntimeProfile); every other op, and every op
 * without it, the profile's compute rate and bandwidth.
 */
export function analyzeForward(ops: readonly Op[], device: DeviceProfile, precision: Precision, ideal = false): ForwardAnalysis {
  const rates = deviceRates(device, precision, ideal);
  const depthwiseEfficiency = ideal ? undefined : device.runtime?.depthwiseConvEfficiency;
  const depthwiseRates = depthwiseEfficiency === undefined ? rates : { ...rates, flopsPerS: peakFlopsPerS(device, precision) * depthwiseEfficiency };
  const countKernels = !ideal && device.runtime?.kernelsPerOp !== undefined;
  const totals = ops.map((op) => opTotals(op, op.depthwise ? depthwiseRates : rates, 0, 0, countKernels ? rates.overheadS * kernelsOf(op, device) : op.fused ? 0 : rates.overheadS));
  const timeS = totals.reduce((s, t) => s + t.timeS, 0);
  const busyS = totals.reduce((s, t) => s + Math.max(t.computeS, t.memoryS), 0);
  return {
    flops: totals.reduce((s, t) => s + t.flops, 0),
    bytes: totals.reduce((s, t) => s + t.bytes, 0),
    latencyMs: timeS * 1e3,
    energyJ: energyJ(device, timeS, busyS),
    ops: ops.map((op, i) => ({
      name: op.name,
      kind: op.kind,
      phase: op.phase,
      count: op.count,
      flops: totals[i].flops,
      bytes: totals[i].bytes,
      latencyMs: totals[i].timeS * 1e3,
      arithmeticIntensity: totals[i].bytes > 0 ? totals[i].flops / totals[i].bytes : Infinity,
      bound: boundOf(totals[i]),
      share: timeS > 0 ? totals[i].timeS / timeS : 0,
    })),
  };
}
