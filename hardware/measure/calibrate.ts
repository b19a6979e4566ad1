/**
 * Calibration: a spec-sheet profile of the local CPU (uncalibrated), and the same profile with its efficiencies
 * and per-operator overhead fitted to this machine's micro-benchmarks (and optionally refined on measured
 * networks). The result is a DeviceProfile in the built-in format; what it was fitted to is kept beside it in
 * `calibration`.
 */
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { DeviceProfile } from '../device.js';
import { parseDeviceProfile } from '../devices.js';
import type { MicroResult } from './micro.js';
import { TFJS_LLM_KERNELS_PER_OP } from './tfjs-kernels.js';
import type { MachineInfo } from './timer.js';

/**
 * Assumptions of the spec-sheet profile where the OS does not tell: FP32 FLOP per cycle per core from the vector
 * extensions (two FMA pipes: AVX-512 2×16×2, AVX2+FMA 2×8×2, AVX 8+8, SSE 4+4), a dual-channel DDR4-3200 memory
 * (2 × 25.6 GB/s), power of a desktop core, and the runtime efficiencies and launch overhead of the built-in CPU
 * profile (raspberry-pi-5.json: 0.5, 0.67, 2 µs) — i.e. what a user gets before calibrating.
 */
export const LOCAL_SPEC_ASSUMPTIONS = {
  flopsPerCycle: { avx512f: 64, avx2fma: 32, avx: 16, sse: 8 },
  memoryBandwidthBytesPerS: 2 * 25.6e9,
  wattsPerCore: { idle: 2, max: 10 },
  computeEfficiency: 0.5,
  memoryEfficiency: 0.67,
  opOverheadS: 2e-6,
  source: 'FLOP/cycle from the ISA (two FMA pipes); DDR4-3200 2-channel 51.2 GB/s; efficiencies and overhead of the built-in raspberry-pi-5 CPU profile',
} as const;

function cpuinfoField(name: string): string | undefined {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith(name));
    return line?.split(':')[1]?.trim();
  } catch {
    return undefined;
  }
}

function cpuFlags(): Set<string> {
  return new Set((cpuinfoField('flags') ?? '').split(/\s+/));
}

/** Clock in GHz: /proc/cpuinfo where there is one (Node's os.cpus() reports a nominal figure in VMs). */
function clockGhz(): number {
  const mhz = Number(cpuinfoField('cpu MHz'));
  if (Number.isFinite(mhz) && mhz > 0) return mhz / 1000;
  return (cpus()[0]?.speed || 2000) / 1000;
}

/** FP32 FLOP per cycle per core from the CPU's vector extensions (Apple/ARM NEON: 2 × 4 × 2 = 16). */
export function flopsPerCycle(flags: ReadonlySet<string> = cpuFlags(), arch = process.arch): number {
  const f = LOCAL_SPEC_ASSUMPTIONS.flopsPerCycle;
  if (arch === 'arm64') return 16;
  if (flags.has('avx512f')) return f.avx512f;
  if (flags.has('avx2') && flags.has('fma')) return f.avx2fma;
  if (flags.has('avx')) return f.avx;
  return f.sse;
}

/** The uncalibrated profile of this machine, from its spec sheet (CPU model, cores, clock, ISA) alone. */
export function localSpecProfile(id = 'local'): DeviceProfile {
  const list = cpus();
  const cores = list.length || 1;
  const ghz = clockGhz();
  const perCycle = flopsPerCycle();
  const a = LOCAL_SPEC_ASSUMPTIONS;
  return parseDeviceProfile(
    {
      id,
      name: `${list[0]?.model.trim() ?? 'CPU'} (${cores} logical CPUs, ${ghz.toFixed(2)} GHz)`,
      kind: 'cpu',
      peakFlopsPerS: { fp32: cores * ghz * 1e9 * perCycle },
      memoryBandwidthBytesPerS: a.memoryBandwidthBytesPerS,
      memoryBytes: totalmem(),
      idlePowerW: a.wattsPerCore.idle * cores,
      maxPowerW: a.wattsPerCore.max * cores,
      computeEfficiency: a.computeEfficiency,
      memoryEfficiency: a.memoryEfficiency,
      opOverheadS: a.opOverheadS,
      source: `spec sheet: FP32 = ${cores} cores × ${ghz.toFixed(2)} GHz × ${perCycle} FLOP/cycle [derived]; ${a.source}`,
    },
    'local spec profile',
  );
}

/** What the runtime attains on this machine: the three numbers of the roofline. */
export interface AttainedRates {
  readonly flopsPerS: number;
  readonly bytesPerS: number;
  readonly opOverheadS: number;
  /** Matmuls of a decode step (matrix–vector products); absent: the same as flopsPerS. */
  readonly decodeFlopsPerS?: number;
  /** Attention operators, in the lowering's FLOPs; absent: flopsPerS. */
  readonly attentionFlopsPerS?: number;
  /** Attention with unbatched products (one KV head); absent: attentionFlopsPerS. */
  readonly singleBatchAttentionFlopsPerS?: number;
  /** Element-wise operators at model sizes; absent: bytesPerS. */
  readonly elementwiseBytesPerS?: number;
  /** Depthwise convolutions of a CNN forward pass, in the lowering's FLOPs; absent: flopsPerS. */
  readonly depthwiseFlopsPerS?: number;
}

const median = (v: readonly number[]) => {
  const s = v.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Rates from the micro-benchmarks. Compute: the median matmul rate over the prefill shapes (the shapes the models
 * run, not the best square shape a runtime can reach). Decode matmuls: the median rate of the matrix–vector
 * products at decode shapes, when measured (attention and element-wise rates likewise). Depthwise convolutions: their
 * FLOPs over their time, all shapes together — the rate of a network made of those layers (the plan times each
 * shape at 3×3 and 5×5, which other work on the machine slows unequally; a median would pick one of them).
 * Bandwidth: the median over
 * the memory-bound operations. Overhead: the fixed cost per kernel of the decoder probe (a generation of negligible
 * work, over the kernels it launches), else of the model-like kernel chain, else per operator of the tiny-op chain.
 */
export function attainedRates(micro: readonly MicroResult[]): AttainedRates {
  const mm = micro.filter((m) => m.kind === 'matmul').map((m) => m.flopsPerS);
  const gemv = micro.filter((m) => m.kind === 'gemv').map((m) => m.flopsPerS);
  // Attention blocks with one KV head run unbatched products (a shape class of their own).
  const attention = micro.filter((m) => m.kind === 'attention' && !/ kv1 /.test(m.name)).map((m) => m.flopsPerS);
  const singleAttention = micro.filter((m) => m.kind === 'attention' && / kv1 /.test(m.name)).map((m) => m.flopsPerS);
  const small = micro.filter((m) => m.kind === 'small-elementwise').map((m) => m.bytesPerS);
  const depthwise = micro.filter((m) => m.kind === 'depthwise' && m.flopsPerS > 0);
  const depthwiseS = depthwise.reduce((s, m) => s + m.flops / m.flopsPerS, 0);
  const mem = micro.filter((m) => m.kind === 'matvec' || m.kind === 'elementwise').map((m) => m.bytesPerS);
  const ov = micro.find((m) => m.kind === 'decoder-probe') ?? micro.find((m) => m.kind === 'kernels') ?? micro.find((m) => m.kind === 'overhead');
  const sync = micro.find((m) => m.kind === 'sync');
  if (mm.length === 0 || mem.length === 0 || !ov) throw new Error('calibration needs matmul, memory-bound and overhead micro-benchmarks');
  const perOpMs = Math.max(0, (ov.timing.valueMs - (sync?.timing.valueMs ?? 0)) / ov.ops);
  return {
    flopsPerS: median(mm),
    bytesPerS: median(mem),
    opOverheadS: perOpMs / 1e3,
    ...(gemv.length > 0 ? { decodeFlopsPerS: median(gemv) } : {}),
    ...(attention.length > 0 ? { attentionFlopsPerS: median(attention) } : {}),
    ...(singleAttention.length > 0 ? { singleBatchAttentionFlopsPerS: median(singleAttention) } : {}),
    ...(small.length > 0 ? { elementwiseBytesPerS: median(small) } : {}),
    ...(depthwise.length > 0 ? { depthwiseFlopsPerS: depthwise.reduce((s, m) => s + m.flops, 0) / depthwiseS } : {}),
  };
}

/**
 * `base` with its efficiencies set so that peak × efficiency = the attained rates (a rate above the spec-sheet
 * figure raises the figure, efficiency 1: the spec was wrong for this machine) and the measured overhead.
 */
export function withRates(
  base: DeviceProfile,
  rates: AttainedRates,
  extra: { id?: string; name?: string; source: string; calibration?: unknown; kernelsPerOp?: Readonly<Record<string, number>> },
): DeviceProfile {
  const peak = base.peakFlopsPerS.fp32 ?? Math.max(...(Object.values(base.peakFlopsPerS) as number[]));
  const flopsPeak = Math.max(peak, rates.flopsPerS, rates.decodeFlopsPerS ?? 0, rates.attentionFlopsPerS ?? 0, rates.singleBatchAttentionFlopsPerS ?? 0, rates.depthwiseFlopsPerS ?? 0);
  const bw = Math.max(base.memoryBandwidthBytesPerS, rates.bytesPerS, rates.elementwiseBytesPerS ?? 0);
  const kernelsPerOp = extra.kernelsPerOp ?? base.runtime?.kernelsPerOp;
  const runtime =
    rates.decodeFlopsPerS !== undefined || rates.attentionFlopsPerS !== undefined || rates.elementwiseBytesPerS !== undefined || rates.depthwiseFlopsPerS !== undefined || kernelsPerOp
      ? {
          ...(kernelsPerOp ? { kernelsPerOp } : {}),
          ...(rates.decodeFlopsPerS !== undefined ? { decodeMatmulEfficiency: rates.decodeFlopsPerS / flopsPeak } : {}),
          ...(rates.attentionFlopsPerS !== undefined ? { attentionEfficiency: rates.attentionFlopsPerS / flopsPeak } : {}),
          ...(rates.singleBatchAttentionFlopsPerS !== undefined ? { singleBatchAttentionEfficiency: rates.singleBatchAttentionFlopsPerS / flopsPeak } : {}),
          ...(rates.elementwiseBytesPerS !== undefined ? { elementwiseMemoryEfficiency: rates.elementwiseBytesPerS / bw } : {}),
          ...(rates.depthwiseFlopsPerS !== undefined ? { depthwiseConvEfficiency: rates.depthwiseFlopsPerS / flopsPeak } : {}),
          source:
            base.runtime?.source ??
            'kernels per lowered operator: TensorFlow.js decoder (hardware/measure/tfjs-kernels.ts); decode-matmul, attention, element-wise and depthwise-convolution rates: micro-benchmarks at the models\' shapes (hardware/measure/micro.ts)',
        }
      : undefined;
  return parseDeviceProfile(
    {
      ...base,
      id: extra.id ?? base.id,
      name: extra.name ?? base.name,
      peakFlopsPerS: { ...base.peakFlopsPerS, fp32: flopsPeak },
      memoryBandwidthBytesPerS: bw,
      computeEfficiency: rates.flopsPerS / flopsPeak,
      memoryEfficiency: rates.bytesPerS / bw,
      opOverheadS: rates.opOverheadS,
      ...(runtime ? { runtime } : {}),
      source: extra.source,
      ...(extra.calibration !== undefined ? { calibration: extra.calibration } : {}),
    },
    'calibrated profile',
  );
}

export function ratesOf(profile: DeviceProfile): AttainedRates {
  const peak = profile.peakFlopsPerS.fp32 ?? Math.max(...(Object.values(profile.peakFlopsPerS) as number[]));
  const rt = profile.runtime;
  return {
    flopsPerS: peak * profile.computeEfficiency,
    bytesPerS: profile.memoryBandwidthBytesPerS * profile.memoryEfficiency,
    opOverheadS: profile.opOverheadS,
    ...(rt?.decodeMatmulEfficiency !== undefined ? { decodeFlopsPerS: peak * rt.decodeMatmulEfficiency } : {}),
    ...(rt?.attentionEfficiency !== undefined ? { attentionFlopsPerS: peak * rt.attentionEfficiency } : {}),
    ...(rt?.singleBatchAttentionEfficiency !== undefined ? { singleBatchAttentionFlopsPerS: peak * rt.singleBatchAttentionEfficiency } : {}),
    ...(rt?.elementwiseMemoryEfficiency !== undefined ? { elementwiseBytesPerS: profile.memoryBandwidthBytesPerS * rt.elementwiseMemoryEfficiency } : {}),
    ...(rt?.depthwiseConvEfficiency !== undefined ? { depthwiseFlopsPerS: peak * rt.depthwiseConvEfficiency } : {}),
  };
}

export interface CalibrationRecord {
  readonly method: 'micro-benchmarks' | 'micro-benchmarks+networks';
  readonly measuredAt: string;
  readonly machine: MachineInfo;
  readonly attained: AttainedRates;
  readonly micro: readonly { name: string; kind: string; valueMs: number; estimator: string; spread: number; rounds: number; stable: boolean; flopsPerS: number; bytesPerS: number }[];
  readonly networkFit?: { readonly samples: number; readonly meanAbsLogErrorBefore: number; readonly meanAbsLogErrorAfter: number; readonly attained: AttainedRates };
}

/** The calibrated profile from micro-benchmark results. */
export function calibrateFromMicro(base: DeviceProfile, micro: readonly MicroResult[], machine: MachineInfo, opts: { id?: string; name?: string; measuredAt?: string } = {}): DeviceProfile {
  const attained = attainedRates(micro);
  const measuredAt = opts.measuredAt ?? new Date().toISOString();
  const record: CalibrationRecord = {
    method: 'micro-benchmarks',
    measuredAt,
    machine,
    attained,
    micro: micro.map((m) => ({ name: m.name, kind: m.kind, valueMs: m.timing.valueMs, estimator: m.timing.estimator, spread: m.timing.spread, rounds: m.timing.rounds, stable: m.timing.stable, flopsPerS: m.flopsPerS, bytesPerS: m.bytesPerS })),
  };
  // Kernel counts belong to the runtime whose per-kernel cost was measured: only with a per-kernel benchmark.
  const perKernel = micro.some((m) => m.kind === 'kernels' || m.kind === 'decoder-probe');
  return withRates(base, attained, {
    ...(perKernel ? { kernelsPerOp: TFJS_LLM_KERNELS_PER_OP } : {}),
    ...(opts.id ? { id: opts.id } : {}),
    name: opts.name ?? `${base.name}, ${machine.backend} ${machine.threads || ''} thread(s), calibrated`,
    source: `hwnas calibrate ${measuredAt}: efficiencies and per-operator overhead fitted to micro-benchmarks (median matmul rate at prefill shapes${attained.decodeFlopsPerS !== undefined ? ', median matrix–vector rate at decode shapes' : ''}${attained.depthwiseFlopsPerS !== undefined ? ', depthwise-convolution rate over MnasNet shapes' : ''}, median memory-bound rate, ${perKernel ? 'per-kernel cost of a decoder probe × TensorFlow.js kernels per operator' : 'tiny-op chain'}) on ${machine.cpuModel}, ${machine.backend}, ${machine.threads} thread(s); peak and bandwidth: ${base.source}`,
    calibration: record,
  });
}

/** A measured network and how to price it on a profile. */
export interface FitSample {
  readonly measuredMs: number;
  readonly predictMs: (profile: DeviceProfile) => number;
}

function meanAbsLogError(profile: DeviceProfile, samples: readonly FitSample[]): number {
  let s = 0;
  for (const x of samples) s += Math.abs(Math.log(x.predictMs(profile) / x.measuredMs));
  return s / samples.length;
}

/**
 * Refines the three attained rates on measured networks: coordinate search in log space (each rate × or ÷ a step
 * that halves when no move helps), minimising the mean |log(predicted / measured)| — a relative error, so that
 * small and large networks weigh alike. Starts from `profile` (usually the micro-benchmark calibration).
 */
export function fitToNetworks(profile: DeviceProfile, samples: readonly FitSample[], opts: { minStep?: number } = {}): DeviceProfile {
  if (samples.length === 0) throw new Error('fitToNetworks: no samples');
  const start = ratesOf(profile);
  let logs = [Math.log(start.flopsPerS), Math.log(start.bytesPerS), Math.log(Math.max(start.opOverheadS, 1e-7))];
  // The runtime extension's rates move with the rate of their class (compute or bandwidth): their ratios stay the
  // micro-benchmarks'. Three numbers are refined, as without the extension.
  const ratio = (v: number | undefined, of: number) => (v !== undefined ? v / of : undefined);
  const gemvRatio = ratio(start.decodeFlopsPerS, start.flopsPerS);
  const attentionRatio = ratio(start.attentionFlopsPerS, start.flopsPerS);
  const singleRatio = ratio(start.singleBatchAttentionFlopsPerS, start.flopsPerS);
  const elementwiseRatio = ratio(start.elementwiseBytesPerS, start.bytesPerS);
  const depthwiseRatio = ratio(start.depthwiseFlopsPerS, start.flopsPerS);
  const ratesAt = (l: number[]): AttainedRates => ({
    flopsPerS: Math.exp(l[0]),
    bytesPerS: Math.exp(l[1]),
    opOverheadS: Math.exp(l[2]),
    ...(gemvRatio !== undefined ? { decodeFlopsPerS: gemvRatio * Math.exp(l[0]) } : {}),
    ...(attentionRatio !== undefined ? { attentionFlopsPerS: attentionRatio * Math.exp(l[0]) } : {}),
    ...(singleRatio !== undefined ? { singleBatchAttentionFlopsPerS: singleRatio * Math.exp(l[0]) } : {}),
    ...(elementwiseRatio !== undefined ? { elementwiseBytesPerS: elementwiseRatio * Math.exp(l[1]) } : {}),
    ...(depthwiseRatio !== undefined ? { depthwiseFlopsPerS: depthwiseRatio * Math.exp(l[0]) } : {}),
  });
  const make = (l: number[]) => withRates(profile, ratesAt(l), { source: profile.source });
  const before = meanAbsLogError(profile, samples);
  let best = meanAbsLogError(make(logs), samples);
  let step = Math.log(2);
  const minStep = opts.minStep ?? Math.log(1.005);
  while (step >= minStep) {
    let moved = false;
    for (let j = 0; j < 3; j++) {
      for (const dir of [1, -1]) {
        const trial = logs.slice();
        trial[j] += dir * step;
        const e = meanAbsLogError(make(trial), samples);
        if (e < best - 1e-12) {
          best = e;
          logs = trial;
          moved = true;
        }
      }
    }
    if (!moved) step /= 2;
  }
  const attained = ratesAt(logs);
  const prev = (profile as DeviceProfile & { calibration?: unknown }).calibration as CalibrationRecord | undefined;
  const calibration = prev
    ? { ...prev, method: 'micro-benchmarks+networks', networkFit: { samples: samples.length, meanAbsLogErrorBefore: before, meanAbsLogErrorAfter: best, attained } }
    : { method: 'networks', networkFit: { samples: samples.length, meanAbsLogErrorBefore: before, meanAbsLogErrorAfter: best, attained } };
  return withRates(profile, attained, {
    source: `${profile.source}; rates refined on ${samples.length} measured networks (mean |log error| ${before.toFixed(3)} → ${best.toFixed(3)})`,
    calibration,
  });
}

/**
 * Refines on measured networks by one number: a time scale s applied to every rate (÷ s) and to the per-operator
 * overhead (× s), which multiplies every prediction by s exactly. s = exp(median log(measured / predicted)), the
 * minimiser of the mean |log error|. Ten noisy measurements pin one number; three rates trade against each other
 * (more compute time for less memory time) and overfit them (fitToNetworks). What it corrects is the machine's
 * speed while the networks were measured against while the micro-benchmarks ran (load, clock), not the structure.
 */
export function fitScaleToNetworks(profile: DeviceProfile, samples: readonly FitSample[]): DeviceProfile {
  if (samples.length === 0) throw new Error('fitScaleToNetworks: no samples');
  const logs = samples.map((x) => Math.log(x.measuredMs / x.predictMs(profile)));
  const scale = Math.exp(median(logs));
  const r = ratesOf(profile);
  const attained: AttainedRates = {
    flopsPerS: r.flopsPerS / scale,
    bytesPerS: r.bytesPerS / scale,
    opOverheadS: r.opOverheadS * scale,
    ...(r.decodeFlopsPerS !== undefined ? { decodeFlopsPerS: r.decodeFlopsPerS / scale } : {}),
    ...(r.attentionFlopsPerS !== undefined ? { attentionFlopsPerS: r.attentionFlopsPerS / scale } : {}),
    ...(r.singleBatchAttentionFlopsPerS !== undefined ? { singleBatchAttentionFlopsPerS: r.singleBatchAttentionFlopsPerS / scale } : {}),
    ...(r.elementwiseBytesPerS !== undefined ? { elementwiseBytesPerS: r.elementwiseBytesPerS / scale } : {}),
    ...(r.depthwiseFlopsPerS !== undefined ? { depthwiseFlopsPerS: r.depthwiseFlopsPerS / scale } : {}),
  };
  const before = meanAbsLogError(profile, samples);
  const prev = (profile as DeviceProfile & { calibration?: unknown }).calibration as CalibrationRecord | undefined;
  const fitted = withRates(profile, attained, { source: profile.source });
  const after = meanAbsLogError(fitted, samples);
  const networkFit = { samples: samples.length, timeScale: scale, meanAbsLogErrorBefore: before, meanAbsLogErrorAfter: after, attained };
  return withRates(profile, attained, {
    source: `${profile.source}; time scale ${scale.toFixed(3)} fitted on ${samples.length} measured networks (mean |log error| ${before.toFixed(3)} → ${after.toFixed(3)})`,
    calibration: prev ? { ...prev, method: 'micro-benchmarks+networks', networkFit } : { method: 'networks', networkFit },
  });
}
