/**
 * Pieces the strategies share: a JSON-safe number codec (Infinity, NaN and −0 survive a round trip), the saved form
 * of an evaluated individual, and the tracker of asked-but-not-told candidates.
 */
import { z } from 'zod';
import { intIn, SIZE_LIMITS } from '../../core/size-limits.js';
import { UsageError } from '../../core/usage-error.js';
import type { Genes, SearchSpace } from '../../core/space.js';
import type { Evaluated } from '../strategy.js';

/** A number as JSON keeps it: JSON turns Infinity and NaN into null and −0 into 0, which would break resume. */
export type SavedNumber = number | 'Infinity' | '-Infinity' | 'NaN' | '-0';

export function saveNumber(x: number): SavedNumber {
  if (Number.isFinite(x)) return Object.is(x, -0) ? '-0' : x;
  return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
}

export function loadNumber(x: SavedNumber): number {
  if (typeof x === 'number') return x;
  return x === '-0' ? -0 : Number(x);
}

/** A candidate with its result, in the form strategies work on. */
export interface Individual {
  readonly genes: Genes;
  readonly key: string;
  readonly objectives: number[];
  readonly violation: number;
}

export interface SavedIndividual {
  readonly g: number[];
  readonly f: SavedNumber[];
  readonly v: SavedNumber;
}

export function saveIndividual(ind: Individual): SavedIndividual {
  return { g: ind.genes.slice(), f: ind.objectives.map(saveNumber), v: saveNumber(ind.violation) };
}

export function loadIndividual(s: SavedIndividual, space: SearchSpace): Individual {
  return { genes: s.g, key: space.key(s.g), objectives: s.f.map(loadNumber), violation: loadNumber(s.v) };
}

/** Objectives and violation as told, with NaN (a broken evaluation) treated like a failure: Infinity. */
export function scored(result: Evaluated, objectiveCount: number): { objectives: number[]; violation: number } {
  const objectives = new Array<number>(objectiveCount);
  let failed = Number.isNaN(result.violation) || result.objectives.length !== objectiveCount;
  for (let j = 0; j < objectiveCount; j++) {
    const v = result.objectives[j];
    failed ||= Number.isNaN(v);
    objectives[j] = v;
  }
  if (failed) return { objectives: objectives.fill(Infinity), violation: Infinity };
  return { objectives, violation: result.violation };
}

/** One asked candidate: its genes, an optional tag (e.g. the annealing chain), and its result once told. */
interface PendingItem {
  readonly genes: Genes;
  readonly key: string;
  readonly tag: number;
  result: { objectives: number[]; violation: number } | null;
}

export interface SavedPending {
  readonly items: { readonly g: number[]; readonly t: number; readonly r: { f: SavedNumber[]; v: SavedNumber } | null }[];
}

/**
 * Candidates asked and not yet consumed, in ask order. Results may be told in any order and grouping; strategies
 * consume them in ask order (`drain`), so that a run does not depend on which evaluation finished first.
 */
export class PendingQueue {
  private items: PendingItem[] = [];
  /** Unresolved item positions by key, oldest first, for matching a told result to its asked candidate. */
  private byKey = new Map<string, PendingItem[]>();

  constructor(
    private readonly space: SearchSpace,
    private readonly objectiveCount: number,
    saved?: SavedPending,
  ) {
    for (const s of saved?.items ?? []) {
      const item: PendingItem = {
        genes: s.g,
        key: space.key(s.g),
        tag: s.t,
        result: s.r ? { objectives: s.r.f.map(loadNumber), violation: loadNumber(s.r.v) } : null,
      };
      this.items.push(item);
      if (!item.result) this.index(item);
    }
  }

  private index(item: PendingItem): void {
    const list = this.byKey.get(item.key);
    if (list) list.push(item);
    else this.byKey.set(item.key, [item]);
  }

  get size(): number {
    return this.items.length;
  }

  /** Number of asked candidates still waiting for their result. */
  get unresolved(): number {
    let n = 0;
    for (const it of this.items) if (!it.result) n++;
    return n;
  }

  add(genes: Genes, tag = 0): void {
    const item: PendingItem = { genes, key: this.space.key(genes), tag, result: null };
    this.items.push(item);
    this.index(item);
  }

  /** Records told results; `transform` may rescore them (MnasNet turns metrics into a reward). */
  resolve(results: readonly Evaluated[], transform?: (r: Evaluated) => { objectives: number[]; violation: number }): void {
    for (const r of results) {
      const key = this.space.key(r.genes);
      const list = this.byKey.get(key);
      const item = list?.shift();
      if (!item) throw new Error(`tell: candidate ${key} was not asked, or was told twice`);
      if (list!.length === 0) this.byKey.delete(key);
      item.result = transform ? transform(r) : scored(r, this.objectiveCount);
    }
  }

  /** Removes and returns the resolved candidates at the front, in ask order (stops at the first unresolved one). */
  drain(): { individual: Individual; tag: number }[] {
    const out: { individual: Individual; tag: number }[] = [];
    let k = 0;
    while (k < this.items.length && this.items[k].result) {
      const it = this.items[k];
      const individual = { genes: it.genes, key: it.key, objectives: it.result!.objectives, violation: it.result!.violation };
      out.push({ individual, tag: it.tag });
      k++;
    }
    if (k > 0) this.items.splice(0, k);
    return out;
  }

  /** Tags of the unresolved or undrained items (e.g. chains that have a proposal in flight). */
  tags(): number[] {
    return this.items.map((it) => it.tag);
  }

  save(): SavedPending {
    return {
      items: this.items.map((it) => ({
        g: it.genes.slice(),
        t: it.tag,
        r: it.result ? { f: it.result.objectives.map(saveNumber), v: saveNumber(it.result.violation) } : null,
      })),
    };
  }
}

/*
 * Strategy options. Each strategy declares its options as a zod object (its factory's `options`, with defaults):
 * the one list of what it accepts, so that an unknown option or a value out of range is one clear line. Sizes are
 * bounded by SIZE_LIMITS.population. Numbers may come as strings (YAML, JSON written by hand).
 */

/** A population-like size: an integer from `min` up to SIZE_LIMITS.population. */
export const sizeOption = (min: number) => intIn(min, SIZE_LIMITS.population);

/** A finite number option in [min, max] (or (min, max] with `exclusiveMin`). */
export function numberIn(min: number, max: number, exclusiveMin = false) {
  const error = `expected a number in ${exclusiveMin ? '(' : '['}${min}, ${max}]`;
  const n = z.coerce.number({ error }).max(max, { error });
  return exclusiveMin ? n.gt(min, { error }) : n.min(min, { error });
}

/** A finite number option. */
export const finiteNumber = () => z.coerce.number({ error: 'expected a finite number' });

/** One of a few words. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `expected one of ${values.join(', ')}` });
}

/** The options of strategy `id`, validated by its schema (defaults filled in), or one UsageError line. */
export function parseOptions<S extends z.ZodObject>(id: string, schema: S, options: Readonly<Record<string, unknown>>): z.output<S> {
  const r = schema.safeParse(options);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  if (issue.code === 'unrecognized_keys') {
    const valid = Object.keys(schema.shape);
    const keys = issue.keys.map((k) => `'${k}'`).join(', ');
    throw new UsageError(`strategy ${id} has no option${issue.keys.length > 1 ? 's' : ''} ${keys}; its options: ${valid.length > 0 ? valid.join(', ') : '(none)'}`);
  }
  const key = String(issue.path[0]);
  throw new UsageError(`${key}: ${issue.message}, got ${JSON.stringify(options[key])}`);
}

/**
 * Takes the asked candidate `key` names out of `pending` (the strategies that keep their asked candidates as a
 * plain list) and returns its genes; a candidate not asked, or told twice, is a bug in the caller.
 */
export function takeAsked(pending: Genes[], space: SearchSpace, key: string): Genes {
  const at = pending.findIndex((g) => space.key(g) === key);
  if (at < 0) throw new Error(`tell: candidate ${key} was not asked, or was told twice`);
  return pending.splice(at, 1)[0];
}
