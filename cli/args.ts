import { parseArgs } from 'node:util';
import { closest, didYouMean } from '../core/suggest.js';
import { UsageError } from './errors.js';

/**
 * One flag of a command: how node's parseArgs reads it, and what `--help` says of it. Help texts are generated
 * from these definitions, so a new flag appears in its command's help by being defined.
 */
export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  /** Placeholder for the value in the help (N, file, id). */
  readonly value?: string;
  readonly help: string;
  /** A heading the flag is listed under in the help (flags keep their order within it). */
  readonly group?: string;
  /** For tests and demos: accepted, but not listed in the help. */
  readonly hidden?: boolean;
}

/** A token that is a negative number ('-5', '-0.5', '-.5', '-1e3'), not a flag. */
const NEGATIVE_NUMBER = /^-(\d|\.\d)/;

/**
 * `--flag -5` as `--flag=-5`: node's parser takes a value that starts with a dash for a flag and calls the
 * argument ambiguous; a negative number after a flag that takes a value is that value, checked by the flag's own
 * validation ("--evaluations: expected … got '-5'").
 */
function joinNegativeValues(argv: readonly string[], options: Readonly<Record<string, { type: string; short?: string }>>): string[] {
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

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

type Values<O extends FlagSpecs> = {
  [K in keyof O]?: O[K]['type'] extends 'boolean' ? (O[K]['multiple'] extends true ? boolean[] : boolean) : O[K]['multiple'] extends true ? string[] : string;
};

/** The option names a user may type, with their dashes, for suggestions. */
function visibleFlags(flags: FlagSpecs): string[] {
  return Object.entries(flags)
    .filter(([, f]) => !f.hidden)
    .map(([k]) => `--${k}`);
}

/** One line for a parseArgs error: what is wrong with which flag, and the likely flag for a typo. */
function describeParseError(command: string, error: unknown, flags: FlagSpecs): string {
  const e = error as { code?: string; message?: string };
  const message = (e.message ?? String(error)).split('\n')[0];
  const quoted = /'(-{1,2}[^'\s=]+)/.exec(message)?.[1];
  const helpHint = `(hwnas ${command} --help lists its flags)`;
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const typed = quoted ?? message;
      const bare = typed.replace(/^-+/, '');
      const suggestion = closest(`--${bare}`, visibleFlags(flags));
      return `unknown flag ${typed}${suggestion ? `; did you mean ${suggestion}?` : ''} ${helpHint}`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const name = quoted?.replace(/^-+/, '') ?? '';
      const spec = flags[name];
      if (spec?.type === 'boolean') return `--${name} takes no value`;
      return `--${name} needs a value${spec?.value ? ` (${spec.value})` : ''}`;
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL': {
      const arg = /'([^']*)'/.exec(message)?.[1] ?? '';
      return `unexpected argument '${arg}' ${helpHint}`;
    }
    default:
      return `${message.replace(/^TypeError \[[A-Z_]+\]: /, '')} ${helpHint}`;
  }
}

/**
 * Strict flag parsing: an unknown flag (with the closest valid one), a missing value or a stray argument becomes
 * one UsageError line. The help metadata is stripped before node's parser sees the definitions.
 */
export function parseFlags<O extends FlagSpecs>(command: string, argv: readonly string[], flags: O, allowPositionals = false): { values: Values<O>; positionals: string[] } {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, f] of Object.entries(flags)) {
    options[name] = { type: f.type, ...(f.short ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) };
  }
  try {
    const parsed = parseArgs({ args: joinNegativeValues(argv, options), options, strict: true, allowPositionals });
    return { values: parsed.values as Values<O>, positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError(`hwnas ${command}: ${describeParseError(command, error, flags)}`);
  }
}

/** Help lines for flags: `  --name VALUE   what it does`, grouped under their headings. */
function flagLines(flags: FlagSpecs): string[] {
  const entries = Object.entries(flags).filter(([, f]) => !f.hidden);
  const label = ([name, f]: [string, FlagSpec]) => `${f.short ? `-${f.short}, ` : '    '}--${name}${f.type === 'string' ? ` ${f.value ?? 'VALUE'}` : ''}${f.multiple ? ' ...' : ''}`;
  const width = Math.min(34, Math.max(...entries.map((e) => label(e).length), 10));
  const groups = new Map<string, string[]>();
  for (const e of entries) {
    const group = e[1].group ?? '';
    const l = label(e);
    const line = l.length > width ? `  ${l}\n  ${' '.repeat(width)}  ${e[1].help}` : `  ${l.padEnd(width)}  ${e[1].help}`;
    groups.set(group, [...(groups.get(group) ?? []), line]);
  }
  const out: string[] = [];
  for (const [group, lines] of groups) {
    if (group) out.push('', `${group}:`);
    out.push(...lines);
  }
  out.push('', `  ${'-h, --help'.padEnd(width)}  this help`);
  return out;
}

/** A command's help: usage lines, what it does, its flags and any further sections (lists of valid values). */
export function helpText(opts: { usage: string | readonly string[]; description?: string; flags?: FlagSpecs; sections?: readonly { title: string; lines: readonly string[] }[] }): string {
  const usage = typeof opts.usage === 'string' ? [opts.usage] : opts.usage;
  const out = usage.map((u, i) => `${i === 0 ? 'usage: ' : '       '}${u}`);
  if (opts.description) out.push('', opts.description);
  if (opts.flags && Object.keys(opts.flags).length > 0) {
    const lines = flagLines(opts.flags);
    // Grouped flags come under their own headings; ungrouped ones under "flags:".
    out.push(...(lines[0] === '' ? lines : ['', 'flags:', ...lines]));
  }
  for (const s of opts.sections ?? []) out.push('', `${s.title}:`, ...s.lines);
  return out.join('\n');
}

/** A number from a flag, or a UsageError naming the flag and what was expected. */
export function numberFlag(name: string, value: string | undefined, fallback: number, opts: { integer?: boolean; min?: number } = {}): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  const min = opts.min ?? 0;
  if (value.trim() === '' || !Number.isFinite(n) || n < min || (opts.integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name}: expected ${opts.integer ? 'an integer' : 'a number'} ≥ ${min}, got '${value}'`);
  }
  return n;
}

/** A value that must be one of `choices`, or a UsageError listing them (with the likely one for a typo). */
export function choiceFlag<T extends string>(name: string, value: string | undefined, choices: readonly T[], fallback?: T): T {
  if (value === undefined) {
    if (fallback !== undefined) return fallback;
    throw new UsageError(`--${name} is required; one of: ${choices.join(', ')}`);
  }
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`--${name}: unknown '${value}'${didYouMean(value, choices)}; valid: ${choices.join(', ')}`);
  }
  return value as T;
}
