/**
 * HELP's published Spearman ρ on NAS-Bench-201 meta-test devices with 10 samples.
 * Source: Lee et al., "HELP: Hardware-Adaptive Efficient Latency Prediction for NAS via Meta-Learning",
 * NeurIPS 2021, Table 2 (NAS-Bench-201, 10 samples on the meta-test device).
 */
export const HELP_PUBLISHED_NB201: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  flops: { titan_rtx_256: 0.95, gold_6226: 0.826, pixel2: 0.765, raspi4: 0.846, eyeriss: 0.437, fpga: 0.9, mean: 0.787 },
  'brp-nas (900 samples)': { titan_rtx_256: 0.814, gold_6226: 0.796, pixel2: 0.666, raspi4: 0.847, eyeriss: 0.811, fpga: 0.801, mean: 0.789 },
  help: { titan_rtx_256: 0.987, gold_6226: 0.989, pixel2: 0.802, raspi4: 0.89, eyeriss: 0.94, fpga: 0.985, mean: 0.932 },
};
