/**
 * MnasNet reward search (Tan et al. 2019): maximise the single reward ACC · (LAT / T)^w, with w = α when
 * LAT ≤ T and w = β otherwise; soft constraint α = β = −0.07 (`mode: 'soft'`, default), hard constraint α = 0,
 * β = −1 (`mode: 'hard'`); `alpha`/`beta` override either.
 * - LAT is the metric named by `latencyMetric` (default latencyMs) and T is the option `target` (required, in that
 *   metric's unit).
 * - ACC: the metric named by `qualityMetric`; by default the study's first maximised objective (an accuracy), else
 *   `loss`. For the metric `loss` (nats per token) the quality score is exp(−loss), the geometric-mean probability
 *   the model gives the next token, in (0, 1] and larger is better like accuracy; any other metric (e.g. an
 *   accuracy) is used as it is.
 * - Controller: not MnasNet's reinforcement-learning (PPO) controller but aging evolution (see aging.ts) on the
 *   reward, which Real et al. 2019 found as good as RL on the same kind of space; it is deterministic from the
 *   seed and its state is small. Options populationSize and sampleSize as for `aging`.
 * The study's constraints still apply first: a feasible candidate beats an infeasible one whatever the reward.
 * A candidate without the metrics, or with a non-positive quality or latency, counts as failed.
 */
import { UsageError } from '../../core/usage-error.js';
import type { StrategyContext, StrategyFactory } from '../strategy.js';
import { z } from 'zod';
import { AGING_OPTIONS, createAging, type AgingState } from './aging.js';
import { finiteNumber, numberIn, oneOf, parseOptions } from './common.js';

/** MnasNet's exponents (Tan et al. 2019, §3). */
export const MNAS_EXPONENTS = {
  soft: { alpha: -0.07, beta: -0.07 },
  hard: { alpha: 0, beta: -1 },
} as const;

export interface MnasRewardOptions {
  readonly target: number;
  readonly alpha: number;
  readonly beta: number;
}

/** ACC · (LAT/T)^w. */
export function mnasReward(quality: number, latency: number, o: MnasRewardOptions): number {
  const w = latency <= o.target ? o.alpha : o.beta;
  return quality * Math.pow(latency / o.target, w);
}

/** Quality score from a metric value: exp(−loss) for loss, the value itself otherwise. */
export function qualityScore(metric: string, value: number): number {
  return metric === 'loss' ? Math.exp(-value) : value;
}

const MNAS_OPTIONS = z.strictObject({
  ...AGING_OPTIONS,
  /** The latency target T, in the latency metric's unit. */
  target: numberIn(0, Infinity, true).optional(),
  mode: oneOf(['soft', 'hard']).default('soft'),
  /** The reward's exponents; by default those of the mode. */
  alpha: finiteNumber().optional(),
  beta: finiteNumber().optional(),
  latencyMetric: z.string().default('latencyMs'),
  /** By default the study's first maximised objective (an accuracy from the user's evaluator), else loss. */
  qualityMetric: z.string().optional(),
});

const latencyMetricOf = (o: Readonly<Record<string, unknown>>) => (typeof o.latencyMetric === 'string' ? o.latencyMetric : 'latencyMs');
const qualityMetricOf = (o: Readonly<Record<string, unknown>>, objectives: StrategyContext['objectives']) =>
  typeof o.qualityMetric === 'string' ? o.qualityMetric : (objectives?.find((x) => x.direction === 'max')?.metric ?? 'loss');

export const mnasStrategy: StrategyFactory<AgingState> = {
  id: 'mnas',
  description: 'MnasNet reward ACC·(LAT/T)^w (soft w = −0.07 or hard), maximised by aging evolution',
  options: MNAS_OPTIONS,
  readsMetrics: ({ options: o, objectives }) => [
    {
      metric: qualityMetricOf(o, objectives),
      why:
        "MnasNet's reward ACC·(LAT/T)^w needs every candidate's accuracy (option qualityMetric, by default the first maximised objective, else 'loss', read as exp(−loss)); " +
        'hwnas predicts no accuracy (nb201 alone has a trained table), so give your own evaluator and the metric it declares: --evaluator-command, --evaluator-module or --evaluator-table with --metric max:accuracy:% (or evaluators: in study.yaml)',
    },
    { metric: latencyMetricOf(o), why: "MnasNet's reward needs every candidate's latency (option latencyMetric)" },
  ],
  create(ctx, saved) {
    const o = parseOptions('mnas', MNAS_OPTIONS, ctx.options);
    if (o.target === undefined) {
      throw new UsageError("strategy mnas needs option target: the latency target T in the latency metric's unit (e.g. target=100 for latencyMs)");
    }
    const reward = { target: o.target, alpha: o.alpha ?? MNAS_EXPONENTS[o.mode].alpha, beta: o.beta ?? MNAS_EXPONENTS[o.mode].beta };
    const latencyMetric = o.latencyMetric;
    const qualityMetric = qualityMetricOf(o, ctx.objectives);
    return createAging('mnas', ctx, o, saved, 1, (r) => {
      const latency = r.metrics[latencyMetric];
      const raw = r.metrics[qualityMetric];
      const quality = typeof raw === 'number' ? qualityScore(qualityMetric, raw) : NaN;
      const value = typeof latency === 'number' && latency > 0 && quality > 0 ? mnasReward(quality, latency, reward) : NaN;
      if (!Number.isFinite(value) || Number.isNaN(r.violation)) return { objectives: [Infinity], violation: Infinity };
      return { objectives: [-value], violation: r.violation };
    });
  },
};
