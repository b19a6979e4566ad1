import { weightPrecision, type LlmArchitecture } from '../core/architecture.js';
import { countParams } from '../core/params.js';
import { BYTES_PER_ELEMENT, computePrecision } from '../core/precision.js';
import type { Workload } from '../core/workload.js';
import type { DeviceProfile } from './device.js';
import { peakFlopsPerS } from './devices.js';
import { kvCacheBytes, type LlmAnalysis } from './roofline.js';

/** The co-design paper's θ = (l, d, d_m, r, ρ) read off an architecture. */
export interface CodesignShape {
  readonly layers: number;
  readonly width: number;
  /** n_heads / n_kv_heads */
  readonly gqa: number;
  /** FFN ratio; for MoE the activated width K·r_expert. */
  readonly ffnRatio: number;
  /** MoE activation rate K / E (1 for dense). */
  readonly activationRate: number;
}

export function codesignShape(arch: LlmArchitecture): CodesignShape {
  const d = arch.hiddenSize;
  const mlp = arch.mlp;
  return {
    layers: arch.layers.length,
    width: d,
    gqa: arch.heads / arch.kvHeads,
    ffnRatio: mlp.kind === 'dense' ? mlp.intermediateSize / d : (mlp.activeExperts * mlp.expertIntermediateSize) / d,
    activationRate: mlp.kind === 'dense' ? 1 : mlp.activeExperts / mlp.experts,
  };
}

/**
 * The paper's closed forms, reproduced exactly:
 *   ξ_F = 4 + 4/gqa + 6r,  ξ_W^dec = 2 + 2/gqa + 3r,  ξ_W^all = 2 + 2/gqa + 3r/ρ
 *   T_pre = l·B·S_in·d²·ξ_F / π_H
 *   T_dec = (l·S_out / β_H)·[ξ_W^dec·d²·b_w + 2·S̄·d·b_kv / gqa],  S̄ = S_in + (S_out + 1)/2
 *   M = l·ξ_W^all·d²·b_w
 * They omit embeddings, LM head, norms and attention-score FLOPs. For batch B > 1 the KV term is read B times
 * (the paper fixes B = 1, where this is its formula).
 *
 * Attention and MLP weights stored in different precisions (per-class quantisation) split each ξ into its
 * attention part (4 + 4/gqa FLOPs, 2 + 2/gqa weights) and its MLP part (6r, 3r, 3r/ρ), each at its own bytes per
 * weight and compute precision; with one precision the split adds up to the paper's forms.
 */
export function paperClosedForm(arch: LlmArchitecture, w: Workload, device: DeviceProfile): LlmAnalysis {
  const { layers: l, width: d, gqa, ffnRatio: r, activationRate: rho } = codesignShape(arch);
  const p = arch.precision;
  const attention = weightPrecision(p, 'attention');
  const mlp = weightPrecision(p, 'mlp');
  const bkv = BYTES_PER_ELEMENT[p.kvCache];
  const beta = device.memoryBandwidthBytesPerS;
  const S = w.promptTokens;
  const Sout = w.generatedTokens;
  const Sbar = S + (Sout + 1) / 2;
  let prefillFlops: number;
  let tPre: number;
  let weightBytesPerLayerStep: number; // ξ_W^dec·d²·b_w
  let weightsBytes: number;
  if (attention === mlp) {
    const bw = BYTES_PER_ELEMENT[attention];
    const pi = peakFlopsPerS(device, computePrecision(attention, p.activations));
    const xiF = 4 + 4 / gqa + 6 * r;
    const xiWdec = 2 + 2 / gqa + 3 * r;
    const xiWall = 2 + 2 / gqa + (3 * r) / rho;
    prefillFlops = l * w.batch * S * d * d * xiF;
    tPre = prefillFlops / pi;
    weightBytesPerLayerStep = xiWdec * d * d * bw;
    weightsBytes = l * xiWall * d * d * bw;
  } else {
    const ba = BYTES_PER_ELEMENT[attention];
    const bm = BYTES_PER_ELEMENT[mlp];
    const piA = peakFlopsPerS(device, computePrecision(attention, p.activations));
    const piM = peakFlopsPerS(device, computePrecision(mlp, p.activations));
    const tokens = l * w.batch * S * d * d;
    prefillFlops = tokens * (4 + 4 / gqa + 6 * r);
    tPre = (tokens * (4 + 4 / gqa)) / piA + (tokens * 6 * r) / piM;
    weightBytesPerLayerStep = d * d * ((2 + 2 / gqa) * ba + 3 * r * bm);
    weightsBytes = l * d * d * ((2 + 2 / gqa) * ba + ((3 * r) / rho) * bm);
  }
  const decodeBytes = l * Sout * (weightBytesPerLayerStep + (w.batch * 2 * Sbar * d * bkv) / gqa);
  const tDec = decodeBytes / beta;
  const kv = kvCacheBytes(arch, w);
  const total = tPre + tDec;
  const energyJ = device.maxPowerW * total;
  return {
    mode: 'paper',
    params: countParams(arch),
    prefill: { flops: prefillFlops, bytes: 0, latencyMs: tPre * 1e3 },
    decode: {
      steps: Sout,
      flops: 0,
      bytes: decodeBytes,
      bytesPerToken: Sout > 0 ? decodeBytes / Sout : 0,
      latencyMs: tDec * 1e3,
      latencyMsPerToken: Sout > 0 ? (tDec / Sout) * 1e3 : 0,
      firstStepMs: Sout > 0 ? ((l / beta) * (weightBytesPerLayerStep + (w.batch * 2 * (S + 1) * d * bkv) / gqa)) * 1e3 : 0,
      lastStepMs: Sout > 0 ? ((l / beta) * (weightBytesPerLayerStep + (w.batch * 2 * (S + Sout) * d * bkv) / gqa)) * 1e3 : 0,
      tokensPerS: tDec > 0 ? (w.batch * Sout) / tDec : 0,
    },
    ttftMs: tPre * 1e3,
    totalLatencyMs: total * 1e3,
    memory: { weightsBytes, kvCacheBytes: kv, activationBytes: 0, totalBytes: weightsBytes + kv, fits: weightsBytes + kv <= device.memoryBytes },
    energyJ,
    energyJPerToken: energyJ / (w.batch * Math.max(1, Sout)),
    breakdown: {
      prefill: { computeMs: tPre * 1e3, memoryMs: 0, overheadMs: 0 },
      decode: { computeMs: 0, memoryMs: tDec * 1e3, overheadMs: 0 },
    },
    ops: [],
  };
}
