/**
 * Pricing models split over devices (search --devices, hwnas split): the split evaluator on random candidates of
 * llm-codesign over Jetson Orin Nano + RTX 4090 and of nb201 over three devices (each candidate: its chain, every
 * device's per-unit prices, one partition), against the analytic evaluator on the same models on one device; and
 * every partition of one model (hwnas split's enumeration), in partitions per second. CPU time, best of 3.
 */
import { createRng } from '../core/rng.js';
import type { SearchSpace } from '../core/space.js';
import { llmCodesignSpace } from '../core/spaces/llm-codesign.js';
import { nb201Space } from '../core/spaces/nb201.js';
import { withPartitionGenes } from '../core/spaces/partitioned.js';
import { PAPER_WORKLOAD } from '../core/workload.js';
import { getDevice } from '../hardware/devices.js';
import { parseLink } from '../hardware/link.js';
import { llmChain } from '../hardware/split-chain.js';
import { partitionCount, priceAllPartitions, priceUnits } from '../hardware/split.js';
import { analyticMetrics, lawOfSpec, type AnalyticSpec } from '../search/evaluate/analytic.js';
import { splitMetrics, type SplitSpec } from '../search/evaluate/split.js';
import type { BenchResult } from './types.js';

const N = 2000;

/** CPU milliseconds of the best of 3 runs of `work` (the machine is shared; the work is single-threaded). */
function bestCpuMs(work: () => number): number {
  work(); // warm-up: JIT
  let best = Infinity;
  for (let rep = 0; rep < 3; rep++) {
    const t0 = process.cpuUsage();
    if (!Number.isFinite(work())) throw new Error('non-finite price');
    const used = process.cpuUsage(t0);
    best = Math.min(best, (used.user + used.system) / 1e3);
  }
  return best;
}

function perCandidate(space: SearchSpace, devices: string[], workload = PAPER_WORKLOAD): { splitUs: number; analyticUs: number } {
  const split = withPartitionGenes(space, devices.length);
  const rng = createRng(7);
  const genes = Array.from({ length: N }, () => split.sample(rng));
  const archs = genes.map((g) => split.decode(g));
  const spec: SplitSpec = { kind: 'split', devices: devices.map(getDevice), link: parseLink('1Gbit/s,1ms'), workload, mode: 'roofline', law: 'codesign', trainingTokens: 10e9 };
  const law = lawOfSpec(spec);
  const splitMs = bestCpuMs(() => archs.reduce((s, a) => s + splitMetrics(a, spec, law).latencyMs, 0));
  // The same models whole on the first device: what splitting adds.
  const models = archs.map((a) => (a.family === 'partitioned' ? a.model : a));
  const one: AnalyticSpec = { kind: 'analytic', device: spec.devices[0], workload, mode: 'roofline', law: 'codesign', trainingTokens: 10e9 };
  const analyticMs = bestCpuMs(() => models.reduce((s, m) => s + analyticMetrics(m, one, law).latencyMs, 0));
  return { splitUs: (splitMs / N) * 1e3, analyticUs: (analyticMs / N) * 1e3 };
}

export async function run(): Promise<BenchResult[]> {
  const llm = perCandidate(llmCodesignSpace, ['jetson-orin-nano', 'rtx-4090']);
  const cnn = perCandidate(nb201Space, ['raspberry-pi-5', 'jetson-orin-nano', 'rtx-4090'], { batch: 1, promptTokens: 0, generatedTokens: 0 });
  // hwnas split: every partition of one 32-layer model over three devices.
  const arch = llmCodesignSpace.decode(llmCodesignSpace.sample(createRng(1)));
  const chain = llmChain({ ...arch, layers: Array.from({ length: 32 }, () => arch.layers[0]) }, PAPER_WORKLOAD);
  const devices = ['jetson-orin-nano', 'jetson-agx-orin', 'rtx-4090'].map(getDevice);
  const link = parseLink('1Gbit/s,1ms');
  const count = partitionCount(chain.units.length, devices.length);
  const allMs = bestCpuMs(() => priceAllPartitions(chain, devices, link, devices.map((d) => priceUnits(chain, d))).reduce((s, p) => s + p.latencyMs, 0));
  return [
    { name: `split evaluator, llm-codesign over 2 devices, per candidate (${N} random)`, value: llm.splitUs, unit: 'µs' },
    { name: '  the same models whole on one device (analytic), per candidate', value: llm.analyticUs, unit: 'µs' },
    { name: 'split evaluator, nb201 over 3 devices, per candidate', value: cnn.splitUs, unit: 'µs' },
    { name: '  the same models whole on one device (analytic), per candidate', value: cnn.analyticUs, unit: 'µs' },
    { name: `hwnas split: every partition of a ${chain.units.length}-unit LLM over 3 devices (${count})`, value: allMs, unit: 'ms' },
    { name: '  partitions priced per second', value: (count / allMs) * 1e3, unit: 'partitions/s' },
  ];
}
