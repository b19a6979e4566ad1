import { z } from 'zod';

/**
 * The largest sizes hwnas accepts from outside (flags, config files, model configs, strategy options). Each is
 * far beyond any real model or study — the largest published models have ~126 layers (Llama 3.1 405B), hidden
 * size 16,384, 256 experts (DeepSeek-V3) and vocabularies of ~256k — and small enough that an absurd value is one
 * clear line instead of minutes of work or gigabytes of memory (a layer list of 10⁸ entries, a population of 10⁸).
 */
export const SIZE_LIMITS = {
  /** Decoder layers of one model (each is an object in the architecture). */
  layers: 10_000,
  /** Hidden size, head dimension, intermediate sizes, state sizes: widths of one layer. */
  width: 10_000_000,
  /** Attention heads and KV heads. */
  heads: 100_000,
  /** Experts of a mixture-of-experts layer. */
  experts: 100_000,
  vocabulary: 100_000_000,
  /** Tokens of a prompt, of a generation, or of a sliding window. */
  tokens: 100_000_000,
  /** Sequences in one batch. */
  batch: 1_000_000,
  /** Members a strategy keeps at once (populations, archives, chains, initial samples), and candidates per generation. */
  population: 100_000,
  /**
   * Partitions `hwnas split` prices at once, C(units + devices − 1, devices − 1): a 4-way split of a 32-layer
   * model is 7,770, a 5-way one 73,815 (~30 s and ~370 MB here); a 4-way split of a 126-layer model (~370k) is
   * refused rather than run for minutes in gigabytes.
   */
  partitions: 100_000,
} as const;

/** An integer in [min, max] from outside (a number, or a string of one), with a message naming the range. */
export function intIn(min: number, max: number) {
  const error = `expected an integer in [${min}, ${max}]`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

/** "is above the limit of 10000 layers": the tail of a message naming the field. */
export function aboveLimit(value: number, limit: number, unit: string): string {
  return `${value} is above the limit of ${limit} ${unit}`;
}
