import { describe, expect, it } from 'vitest';
import { parseConstraints, parseObjectives, scoreMetrics } from '../../../core/objectives.js';
import { llmCodesignSpace } from '../../../core/spaces/llm-codesign.js';
import { PAPER_WORKLOAD } from '../../../core/workload.js';
import { getDevice } from '../../../hardware/devices.js';
import { resolveLaw } from '../../../predictors/loss/index.js';
import { analyticMetrics } from '../../../search/evaluate/analytic.js';
import { rooflineStrategy } from '../../../search/strategies/roofline.js';
import { codesignGrid, hvRatios } from '../../../bench/lib/codesign-quality.js';

describe('roofline-guided evolution', () => {
  it('finds nearly the whole exact llm-codesign frontier in 5% of the space (and more than NSGA-II)', () => {
    const grid = codesignGrid();
    const budget = Math.round(0.05 * grid.size);
    const [ours] = hvRatios(grid, 'roofline', 3, [budget]);
    const [nsga2] = hvRatios(grid, 'nsga2', 3, [budget]);
    expect(ours.hv).toBeGreaterThanOrEqual(0.99);
    expect(ours.recovered).toBeGreaterThan(0.9);
    expect(ours.recovered).toBeGreaterThan(nsga2.recovered);
  });

  it('repairs and stays feasible under a budget only 1% of the space meets', () => {
    const space = llmCodesignSpace;
    const device = getDevice('jetson-orin-nano');
    const law = resolveLaw('codesign');
    const spec = { kind: 'analytic' as const, device, workload: PAPER_WORKLOAD, mode: 'roofline' as const, law: 'codesign', trainingTokens: 10e9 };
    const all = [...space.enumerate!()].map((g) => analyticMetrics(space.decode(g), spec, law).decodeMsPerToken).sort((a, b) => a - b);
    const budget = all[Math.floor(all.length * 0.01)];
    const objectives = parseObjectives('loss,latency');
    const constraints = parseConstraints([`decodeMsPerToken<=${budget}`]);
    const s = rooflineStrategy.create({ space, objectiveCount: 2, seed: 11, options: { initialSamples: 20 }, objectives, constraints });
    let guidedAsked = 0;
    let guidedFeasible = 0;
    for (let round = 0; round < 12; round++) {
      const told = s.ask(10).map((genes) => {
        const metrics = analyticMetrics(space.decode(genes), spec, law);
        return { genes, metrics, ...scoreMetrics(metrics, objectives, constraints) };
      });
      if (round >= 4) {
        guidedAsked += told.length;
        guidedFeasible += told.filter((t) => t.violation <= 0).length;
      }
      s.tell(told);
    }
    // Random sampling would be feasible 1% of the time.
    expect(guidedFeasible / guidedAsked).toBeGreaterThan(0.3);
  });
});
