import { z } from 'zod';
import { createRng, type RngState } from '../../core/rng.js';
import { parseOptions } from './common.js';
import type { Genes } from '../../core/space.js';
import type { Strategy, StrategyFactory } from '../strategy.js';

export interface RandomState {
  readonly rng: RngState;
  readonly asked: number;
}

/** Uniform sampling of the space: the baseline every other strategy must beat. */
export const randomStrategy: StrategyFactory<RandomState> = {
  id: 'random',
  description: 'uniform random sampling of the space',
  options: z.strictObject({}),
  create(ctx, saved) {
    parseOptions('random', randomStrategy.options, ctx.options);
    const rng = createRng(ctx.seed, saved?.rng);
    let asked = saved?.asked ?? 0;
    const strategy: Strategy<RandomState> = {
      id: 'random',
      ask(n) {
        const out: Genes[] = [];
        for (let i = 0; i < n; i++) out.push(ctx.space.sample(rng));
        asked += out.length;
        return out;
      },
      tell() {},
      done: () => false,
      state: () => ({ rng: rng.state(), asked }),
    };
    return strategy;
  },
};
