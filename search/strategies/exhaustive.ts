import { z } from 'zod';
import { UsageError } from '../../core/usage-error.js';
import { parseOptions } from './common.js';
import type { Genes } from '../../core/space.js';
import type { Strategy, StrategyFactory } from '../strategy.js';

export interface ExhaustiveState {
  /** Candidates handed out so far, in the space's enumeration order. */
  readonly position: number;
}

/**
 * Every candidate of a finite space, in the space's enumeration order, in batches of whatever size is asked.
 * Results are not needed to decide what comes next, so tell has nothing to do; done() turns true at the end.
 */
export const exhaustiveStrategy: StrategyFactory<ExhaustiveState> = {
  id: 'exhaustive',
  description: 'every candidate of a finite space, in enumeration order',
  options: z.strictObject({}),
  create(ctx, saved) {
    parseOptions('exhaustive', exhaustiveStrategy.options, ctx.options);
    const { space } = ctx;
    if (!space.enumerate) throw new UsageError(`strategy exhaustive: space ${space.id} cannot be enumerated`);
    const iterator = space.enumerate()[Symbol.iterator]();
    let position = 0;
    // One candidate looked ahead, so done() is exact right after the last one is handed out.
    let next = iterator.next();
    const skip = saved?.position ?? 0;
    while (position < skip && !next.done) {
      next = iterator.next();
      position++;
    }
    const strategy: Strategy<ExhaustiveState> = {
      id: 'exhaustive',
      ask(n) {
        const out: Genes[] = [];
        while (out.length < n && !next.done) {
          out.push(next.value);
          next = iterator.next();
          position++;
        }
        return out;
      },
      tell() {},
      done: () => next.done === true,
      state: () => ({ position }),
    };
    return strategy;
  },
};
