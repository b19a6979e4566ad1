import { describe, expect, it } from 'vitest';
import { parseConstraints, parseObjectives, scoreMetrics } from '../../../core/objectives.js';
import { llmCodesignSpace } from '../../../core/spaces/llm-codesign.js';
import { PAPER_WORKLOAD } from '../../../core/workload.js';
import { getDevice } from '../../../hardware/devices.js';
import { resolveLaw } from '../../../predictors/loss/index.js';
import { analyticMetrics } from '../../../search/evaluate/analytic.js';
import { epsilonIndicator, rooflineStrategy } from '../../../search/strategies/roofline.js';
import { codesignProblem, runStrategy } from '../../../bench/lib/search-quality.js';

describe('roofline-guided evolution', () => {
  it('finds nearly the whole exact llm-codesign frontier (188 points) in 5% of the space, asking nothing twice', () => {
    const problem = codesignProblem();
    const [atOne, atFive] = runStrategy(problem, 'roofline', 3);
    expect(atFive.distinct).toBe(1890);
    expect(atFive.asks).toBe(1890);
    expect(atFive.hvRatio).toBeGreaterThanOrEqual(0.99);
    expect(atFive.share).toBeGreaterThan(0.9);
    // Random sampling finds about 0.5% of the frontier in 1% of the space (five seeds, bench/strategy-quality).
    expect(atOne.share).toBeGreaterThan(0.1);
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

  it('keeps statistics, not the history: its saved state stops growing with the candidates told', () => {
    const problem = codesignProblem();
    const s = rooflineStrategy.create({ space: problem.space, objectiveCount: 2, seed: 4, options: {}, objectives: problem.objectives, constraints: [] });
    const sizes: number[] = [];
    for (let told = 0; told < 3000; ) {
      const asked = s.ask(64);
      s.tell(asked.map((g) => problem.evaluate(g)));
      told += asked.length;
      if (told % 960 === 0) sizes.push(JSON.stringify(s.state()).length);
    }
    // 960, 1,920 and 2,880 told: the statistics and the asked bitset have fixed sizes; only the frontier archive
    // (at most the 188 exact frontier points) can grow. The state that held the history was 569 kB at 2,880.
    expect(sizes).toHaveLength(3);
    expect(Math.max(...sizes)).toBeLessThan(60_000);
    expect(sizes[2] - sizes[1]).toBeLessThan(0.1 * sizes[1]);
  });

  it('ranks by the additive ε-indicator: how far the frontier must move to weakly dominate the point', () => {
    // Frontier (0, 4), (2, 2), (4, 0); ranges 4 and 4. For p = (1, 1): max((0−1)/4, (4−1)/4) = 0.75,
    // max((2−1)/4, (2−1)/4) = 0.25, max((4−1)/4, (0−1)/4) = 0.75: I = 0.25 (p lies beyond the frontier).
    const front = [
      [0, 4],
      [2, 2],
      [4, 0],
    ];
    const eps = epsilonIndicator(front, [4, 4]);
    expect(eps([1, 1])).toBeCloseTo(0.25, 12);
    // A dominated point: (3, 3) is dominated by (2, 2) by 1 in each objective: I = −0.25.
    expect(eps([3, 3])).toBeCloseTo(-0.25, 12);
    // The plain minimum (three or more objectives; here a third that never differs) gives the same.
    const three = epsilonIndicator(
      front.map((p) => [...p, 0]),
      [4, 4, 1],
    );
    expect(three([1, 1, 0])).toBeCloseTo(0.25, 12);
  });
});
