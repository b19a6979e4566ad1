import type { z } from 'zod';
import type { Genes, SearchSpace } from '../core/space.js';

/** A candidate after evaluation, as a strategy sees it: minimisation objectives and constraint violation. */
export interface Evaluated {
  readonly genes: Genes;
  /** One value per objective, every one to be minimised (maximised metrics are negated by the study). */
  readonly objectives: readonly number[];
  /** Total normalised constraint violation; 0 when feasible. */
  readonly violation: number;
  /** Every metric the evaluator produced (roofline-guided search reads its breakdown here). */
  readonly metrics: Readonly<Record<string, number>>;
}

/**
 * A search strategy behind ask/tell. It never performs I/O; its whole state is one plain JSON-serialisable object
 * (population, archive, RNG state), so a study can checkpoint it and resume bit-for-bit.
 */
export interface Strategy<State = unknown> {
  readonly id: string;
  /** Up to `n` candidates to evaluate next; fewer (or none) when the strategy waits for results or is exhausted. */
  ask(n: number): Genes[];
  /**
   * Results for candidates previously asked for, in any grouping. Every asked candidate is told exactly once;
   * one whose evaluation failed comes with every objective and the violation set to Infinity.
   * `state()` may be taken between ask and tell: a strategy restored from it must accept the tell of the
   * candidates asked before the state was taken (that is how a killed study resumes exactly).
   */
  tell(results: readonly Evaluated[]): void;
  /** True when the strategy has nothing left to propose (exhaustive search at the end of the space). */
  done(): boolean;
  state(): State;
}

export interface StrategyContext {
  readonly space: SearchSpace;
  readonly objectiveCount: number;
  readonly seed: number;
  readonly options: Readonly<Record<string, unknown>>;
  /** The metric behind each objective and its direction (strategies that model metrics read them). */
  readonly objectives?: readonly { readonly metric: string; readonly direction: 'min' | 'max' }[];
  /** The study's constraints, as budgets on metrics. */
  readonly constraints?: readonly { readonly metric: string; readonly op: '<=' | '>='; readonly budget: number }[];
}

export interface StrategyFactory<State = unknown> {
  readonly id: string;
  readonly description: string;
  /**
   * Every option the strategy accepts, with its range and default (strategies/common.ts has the pieces); create()
   * reads ctx.options through it, so an option not declared here is refused, never silently ignored.
   */
  readonly options: z.ZodObject;
  /** A new strategy, or one restored from a saved state. */
  create(ctx: StrategyContext, state?: State): Strategy<State>;
  /**
   * Metrics the strategy reads from every result beyond the objectives (MnasNet's reward: an accuracy and a
   * latency), each with what it is for; checked against the evaluator before a study starts.
   */
  readsMetrics?(ctx: Pick<StrategyContext, 'options' | 'objectives'>): readonly { readonly metric: string; readonly why: string }[];
}
