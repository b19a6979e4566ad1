/** The strategies by id. Add one: a file in this folder exporting its StrategyFactory, and one line here. */
import { UsageError } from '../../core/usage-error.js';
import { didYouMean } from '../../core/suggest.js';
import type { StrategyFactory } from '../strategy.js';
import { agingStrategy } from './aging.js';
import { annealStrategy } from './anneal.js';
import { exhaustiveStrategy } from './exhaustive.js';
import { mnasStrategy } from './mnas.js';
import { nsga2Strategy } from './nsga2.js';
import { randomStrategy } from './random.js';
import { rooflineStrategy } from './roofline.js';
import { tpeStrategy } from './tpe.js';

export const STRATEGIES: Readonly<Record<string, StrategyFactory<any>>> = {
  random: randomStrategy,
  exhaustive: exhaustiveStrategy,
  nsga2: nsga2Strategy,
  aging: agingStrategy,
  mnas: mnasStrategy,
  anneal: annealStrategy,
  roofline: rooflineStrategy,
  tpe: tpeStrategy,
};

/** The factory for `id`, or a UsageError listing the valid ids. */
export function getStrategy(id: string): StrategyFactory<any> {
  const factory = Object.hasOwn(STRATEGIES, id) ? STRATEGIES[id] : undefined;
  if (!factory) throw new UsageError(`unknown strategy '${id}'${didYouMean(id, Object.keys(STRATEGIES))}; valid: ${Object.keys(STRATEGIES).join(', ')}`);
  return factory;
}
