import type { Precision } from '../core/precision.js';

/**
 * What a device can do, with where the numbers come from. Built-in profiles live in devices/*.json; a user adds
 * a device with a file of the same shape (validated in device-files.ts).
 */
export interface DeviceProfile {
  readonly id: string;
  readonly name: string;
  readonly kind: 'gpu' | 'cpu' | 'soc' | 'npu';
  /** Dense peak per compute precision (no 2:4 sparsity). Missing precisions fall back to the next wider one. */
  readonly peakFlopsPerS: Readonly<Partial<Record<Precision, number>>>;
  readonly memoryBandwidthBytesPerS: number;
  readonly memoryBytes: number;
  readonly idlePowerW: number;
  readonly maxPowerW: number;
  /** Share of peak FLOP/s a real runtime reaches on large matmuls (0..1]. */
  readonly computeEfficiency: number;
  /** Share of peak bandwidth a real runtime reaches on streaming reads (0..1]. */
  readonly memoryEfficiency: number;
  /** Fixed cost per operator launch (kernel launch, dispatch), seconds. */
  readonly opOverheadS: number;
  readonly source: string;
  readonly notes?: string;
}
