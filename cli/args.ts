import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;
/** Named so that the declaration files can name it. */
export type ParsedFlags<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: boolean }>>;

/** A token that is a negative number ('-5', '-0.5', '-.5', '-1e3'), not a flag. */
const NEGATIVE_NUMBER = /^-(\d|\.\d)/;

/**
 * `--flag -5` as `--flag=-5`: node's parser takes a value that starts with a dash for a flag and calls the
 * argument ambiguous; a negative number after a flag that takes a value is that value, checked by the flag's own
 * validation ("--evaluations: expected … got '-5'").
 */
function joinNegativeValues(argv: readonly string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = argv[i + 1];
    const long = a.startsWith('--') && !a.includes('=') ? options[a.slice(2)] : undefined;
    const short = !long && /^-[A-Za-z]$/.test(a) ? Object.values(options).find((o) => o.short === a[1]) : undefined;
    if ((long ?? short)?.type === 'string' && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      out.push(long ? `${a}=${next}` : `${a}${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** Strict flag parsing: an unknown flag or a missing value becomes one UsageError line naming the valid flags. */
export function parseFlags<O extends Options>(command: string, argv: readonly string[], options: O, allowPositionals = false): ParsedFlags<O> {
  try {
    return parseArgs({ args: joinNegativeValues(argv, options), options, strict: true, allowPositionals });
  } catch (error) {
    const valid = Object.keys(options)
      .map((k) => `--${k}`)
      .join(', ');
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new UsageError(`hwnas ${command}: ${message.replace(/^TypeError \[[A-Z_]+\]: /, '')} (valid flags: ${valid})`);
  }
}

/** A positive number from a flag, or a UsageError naming the flag. */
export function numberFlag(name: string, value: string | undefined, fallback: number, opts: { integer?: boolean; min?: number } = {}): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  const min = opts.min ?? 0;
  if (!Number.isFinite(n) || n < min || (opts.integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name}: expected ${opts.integer ? 'an integer' : 'a number'} ≥ ${min}, got '${value}'`);
  }
  return n;
}

/** A value that must be one of `choices`, or a UsageError listing them. */
export function choiceFlag<T extends string>(name: string, value: string | undefined, choices: readonly T[], fallback?: T): T {
  if (value === undefined) {
    if (fallback !== undefined) return fallback;
    throw new UsageError(`--${name} is required; one of: ${choices.join(', ')}`);
  }
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`--${name}: unknown '${value}'; valid: ${choices.join(', ')}`);
  }
  return value as T;
}
