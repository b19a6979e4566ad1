/**
 * Architecture features for the latency predictor: a one-hot of the genes, per-choice counts (latency is close to
 * additive over operations), and roofline features of the lowered network — FLOPs, bytes, arithmetic intensity and
 * roofline time on a reference device (what HELP's encoder does not see).
 */
import { FBNET_BLOCKS, NB201_OPS, type FbnetArchitecture, type Nb201Architecture } from '../../core/architecture.js';
import { cnnTotals, lowerFbnet, lowerNb201 } from '../../core/lower-cnn.js';
import type { Op } from '../../core/ops.js';
import type { Genes } from '../../core/space.js';
import { opTimeS } from '../../hardware/roofline.js';
import type { DeviceProfile } from '../../hardware/device.js';
import type { LatencySpaceId } from './data.js';

/** Reference device of the roofline features (an edge CPU, like most of the meta-test devices). */
export const ROOFLINE_REFERENCE_DEVICE = 'raspberry-pi-5';

export interface RooflineFeatures {
  readonly flops: number;
  readonly bytes: number;
  /** FLOPs per byte. */
  readonly intensity: number;
  /** Σ over operators of max(FLOPs / peak, bytes / bandwidth) on the reference device, batch 1, fp32. */
  readonly rooflineS: number;
}

export function decodeGenes(space: LatencySpaceId, g: Genes): Nb201Architecture | FbnetArchitecture {
  return space === 'nb201'
    ? { family: 'nb201', edges: g.map((i) => NB201_OPS[i]) }
    : { family: 'fbnet', blocks: g.map((i) => FBNET_BLOCKS[i]) };
}

export function lowerArch(space: LatencySpaceId, g: Genes): Op[] {
  const arch = decodeGenes(space, g);
  return arch.family === 'nb201' ? lowerNb201(arch).ops : lowerFbnet(arch as FbnetArchitecture).ops;
}

/** Ideal roofline time of one operator list: Σ max(FLOPs / peak, bytes / bandwidth), no efficiencies or overhead. */
export function rooflineTimeS(ops: readonly Op[], device: DeviceProfile): number {
  let t = 0;
  for (const op of ops) t += op.count * opTimeS(op.base, device, 'fp32', true);
  return t;
}

export function rooflineFeatures(space: LatencySpaceId, g: Genes, device: DeviceProfile): RooflineFeatures {
  const ops = lowerArch(space, g);
  const { flops, bytes } = cnnTotals(ops);
  return { flops, bytes, intensity: flops / bytes, rooflineS: rooflineTimeS(ops, device) };
}

export function choicesPerGene(space: LatencySpaceId): number {
  return space === 'nb201' ? NB201_OPS.length : FBNET_BLOCKS.length;
}

export function genesPerArch(space: LatencySpaceId): number {
  return space === 'nb201' ? 6 : 22;
}

/** Mean and standard deviation of the log roofline features, fixed at meta-training and saved with the model. */
export interface FeatureStats {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

function logRoofline(f: RooflineFeatures): number[] {
  return [Math.log(f.flops), Math.log(f.bytes), Math.log(f.intensity), Math.log(f.rooflineS)];
}

export function fitFeatureStats(features: readonly RooflineFeatures[]): FeatureStats {
  const rows = features.map(logRoofline);
  const k = rows[0].length;
  const mean = Array.from({ length: k }, (_, j) => rows.reduce((s, r) => s + r[j], 0) / rows.length);
  const std = Array.from({ length: k }, (_, j) => Math.sqrt(rows.reduce((s, r) => s + (r[j] - mean[j]) ** 2, 0) / rows.length) || 1);
  return { mean, std };
}

export function encodedLength(space: LatencySpaceId, extra = 0): number {
  const n = choicesPerGene(space);
  return genesPerArch(space) * n + n + 4 + extra;
}

/**
 * [one-hot per gene | share of genes per choice | standardised log roofline features | `extra` features
 * (the source devices' lookup-table latencies, luts.ts)].
 */
export function encodeArch(space: LatencySpaceId, g: Genes, roofline: RooflineFeatures, stats: FeatureStats, extra: readonly number[] = []): number[] {
  const n = choicesPerGene(space);
  const layers = genesPerArch(space);
  if (g.length !== layers) throw new Error(`${space}: expected ${layers} genes, got ${g.length}`);
  if (g.some((code) => !Number.isInteger(code) || code < 0 || code >= n)) throw new Error(`${space}: gene codes must be integers in 0..${n - 1}`);
  const out = new Array<number>(layers * n + n + 4 + extra.length).fill(0);
  g.forEach((code, i) => {
    out[i * n + code] = 1;
    out[layers * n + code] += 1 / layers;
  });
  logRoofline(roofline).forEach((v, j) => (out[layers * n + n + j] = (v - stats.mean[j]) / stats.std[j]));
  extra.forEach((v, j) => (out[layers * n + n + 4 + j] = v));
  return out;
}
