/**
 * Encoded rows of a latency table for the predictor: every architecture's features (encode.ts) with the source
 * devices' lookup-table predictions (luts.ts), computed once per table.
 */
import type { Genes } from '../../core/space.js';
import type { DeviceProfile } from '../../hardware/device.js';
import type { LatencySpaceId, LatencyTable } from './data.js';
import { encodeArch, encodedLength, fitFeatureStats, rooflineFeatures, type FeatureStats, type RooflineFeatures } from './encode.js';
import { fitLut, lutFeatures, type SourceLut } from './luts.js';

/** Features of every architecture of a table, and the fixed standardisation of its roofline features. */
export interface PreparedFeatures {
  readonly space: LatencySpaceId;
  readonly inputSize: number;
  readonly rows: number;
  readonly x: Float32Array;
  readonly roofline: readonly RooflineFeatures[];
  readonly stats: FeatureStats;
  readonly luts: readonly SourceLut[];
}

export function computeRoofline(space: LatencySpaceId, genes: readonly Genes[], device: DeviceProfile): RooflineFeatures[] {
  return genes.map((g) => rooflineFeatures(space, g, device));
}

export function featurize(space: LatencySpaceId, genes: readonly Genes[], roofline: readonly RooflineFeatures[], stats: FeatureStats, luts: readonly SourceLut[]): Float32Array {
  const k = encodedLength(space, luts.length);
  const x = new Float32Array(genes.length * k);
  genes.forEach((g, i) => x.set(encodeArch(space, g, roofline[i], stats, lutFeatures(space, luts, g)), i * k));
  return x;
}

/**
 * Features of every row of a table. The lookup tables are fitted on `lutDevices` (the meta-training devices only)
 * unless given; the roofline standardisation on the table unless given.
 */
export function prepareFeatures(
  table: LatencyTable,
  device: DeviceProfile,
  opts: { referenceRows: readonly number[]; lutDevices: readonly string[]; stats?: FeatureStats; luts?: readonly SourceLut[] },
): PreparedFeatures {
  const roofline = computeRoofline(table.space, table.genes, device);
  const stats = opts.stats ?? fitFeatureStats(roofline);
  const luts = opts.luts ?? opts.lutDevices.map((d) => fitLut(table, d, opts.referenceRows));
  return {
    space: table.space,
    inputSize: encodedLength(table.space, luts.length),
    rows: table.genes.length,
    x: featurize(table.space, table.genes, roofline, stats, luts),
    roofline,
    stats,
    luts,
  };
}

export function selectRows(x: Float32Array, width: number, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * width);
  rows.forEach((r, i) => out.set(x.subarray(r * width, (r + 1) * width), i * width));
  return out;
}

/**
 * A meta-training device must not see its own lookup table among the features: that column would predict it almost
 * exactly, the ridge would leave nothing to learn, and nothing would transfer to an unseen device, which never has
 * its own table. Its column is zeroed (the features are centred on the reference architectures, so 0 is neutral).
 */
export function maskOwnLut(features: PreparedFeatures, device: string): Float32Array {
  const j = features.luts.findIndex((l) => l.device === device);
  if (j < 0) return features.x;
  const x = features.x.slice();
  const col = features.inputSize - features.luts.length + j;
  for (let r = 0; r < features.rows; r++) x[r * features.inputSize + col] = 0;
  return x;
}
