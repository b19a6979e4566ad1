/**
 * Full op-level analysis (lowering + roofline + loss) of every configuration of the co-design grid
 * (llm-codesign: 37,800 configurations, fp16/int8/int4) on Jetson AGX Orin with the paper's workload; and the
 * same on a profile with a runtime extension (kernels per operator and rates by shape class, as `hwnas calibrate`
 * writes for TensorFlow.js).
 */
import { llmCodesignSpace } from '../core/spaces/llm-codesign.js';
import { PAPER_WORKLOAD } from '../core/workload.js';
import type { DeviceProfile } from '../hardware/device.js';
import { getDevice } from '../hardware/devices.js';
import { TFJS_LLM_KERNELS_PER_OP } from '../hardware/measure/tfjs-kernels.js';
import { analyzeLlm } from '../hardware/roofline.js';
import { resolveLaw } from '../predictors/loss/index.js';
import { lossInputs } from '../predictors/loss/law.js';
import type { BenchResult } from './types.js';

export async function run(): Promise<BenchResult[]> {
  const orin = getDevice('jetson-agx-orin');
  const withRuntime: DeviceProfile = {
    ...orin,
    runtime: { kernelsPerOp: TFJS_LLM_KERNELS_PER_OP, decodeMatmulEfficiency: 0.2, attentionEfficiency: 0.05, singleBatchAttentionEfficiency: 0.3, elementwiseMemoryEfficiency: 0.4 },
  };
  const law = resolveLaw('codesign');
  const genes = [...llmCodesignSpace.enumerate!()];
  const pass = (skipOpReports: boolean, device = orin) => {
    let checksum = 0;
    // CPU time of this thread's process, not wall time: the machine is shared, and the work is single-threaded.
    const t0 = process.cpuUsage();
    for (const g of genes) {
      const arch = llmCodesignSpace.decode(g);
      const a = analyzeLlm(arch, PAPER_WORKLOAD, device, { skipOpReports });
      checksum += a.totalLatencyMs + law.predict(lossInputs(arch, 10e9, a.params)) + a.ops.length;
    }
    if (!Number.isFinite(checksum)) throw new Error('non-finite analysis');
    const used = process.cpuUsage(t0);
    return (used.user + used.system) / 1e3;
  };
  pass(false); // warm-up: JIT
  const best = (skip: boolean) => Math.min(pass(skip), pass(skip), pass(skip));
  const fullMs = best(false);
  const metricsMs = best(true);
  const runtimeMs = Math.min(pass(true, withRuntime), pass(true, withRuntime), pass(true, withRuntime));
  return [
    { name: 'codesign grid configurations', value: genes.length, unit: 'configs' },
    { name: 'grid, full op-level analysis + loss (best of 3, CPU time)', value: fullMs, unit: 'ms' },
    { name: 'full op-level analyses per second', value: (genes.length / fullMs) * 1e3, unit: 'analyses/s' },
    { name: 'metrics-only analyses per second (no per-op report)', value: (genes.length / metricsMs) * 1e3, unit: 'analyses/s' },
    { name: 'metrics-only, profile with a runtime extension (kernel table, rates by shape)', value: (genes.length / runtimeMs) * 1e3, unit: 'analyses/s' },
  ];
}
