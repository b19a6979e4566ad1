/**
 * Zod issues as a user reads them: "expected an integer ≥ 1, got '2k'" rather than zod's own
 * "Invalid input: expected number, received NaN". The value shown is the one the user gave, read from the input.
 */
import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

/** The value at `path` inside `input`, if any. */
export function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function shown(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return `'${v}'`;
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

const KIND: Readonly<Record<string, string>> = {
  number: 'a number',
  int: 'an integer',
  string: 'text',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping of fields',
  record: 'a mapping of fields',
};

/**
 * "an integer ≥ 1", "an integer in [1, 100000]" (both bounds inclusive, as core/size-limits.ts words a range) from
 * a number schema's checks (through optional/default wrappers), or undefined.
 */
function numberExpectation(schema: z.ZodType | undefined): string | undefined {
  type Def = { innerType?: unknown; type?: string; checks?: { _zod: { def: { check: string; value?: number; inclusive?: boolean; format?: string } } }[] };
  let s = schema as unknown as { _zod: { def: Def } } | undefined;
  while (s && s._zod.def.innerType) s = s._zod.def.innerType as typeof s;
  if (!s || s._zod.def.type !== 'number') return undefined;
  let integer = false;
  const bounds: string[] = [];
  let low: number | undefined;
  let high: number | undefined;
  let exclusive = false;
  for (const c of s._zod.def.checks ?? []) {
    const d = c._zod.def;
    if (d.check === 'number_format' && /int/.test(d.format ?? '')) integer = true;
    else if (d.check === 'greater_than') {
      bounds.push(`${d.inclusive ? '≥' : '>'} ${d.value}`);
      low = d.value;
      exclusive ||= !d.inclusive;
    } else if (d.check === 'less_than') {
      bounds.push(`${d.inclusive ? '≤' : '<'} ${d.value}`);
      high = d.value;
      exclusive ||= !d.inclusive;
    }
  }
  if (exclusive) low = high = undefined;
  const kind = integer ? 'an integer' : 'a number';
  if (low !== undefined && high !== undefined) return `${kind} in [${low}, ${high}]`;
  return `${kind}${bounds.length ? ` ${bounds.join(' and ')}` : ''}`;
}

/** The schema of the field at `path` inside an object schema (through optional and default wrappers), if any. */
export function schemaAt(root: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  type Node = { _zod: { def: { innerType?: unknown; shape?: Record<string, unknown> } } };
  let s = root as unknown as Node | undefined;
  for (const key of path) {
    while (s && s._zod.def.innerType) s = s._zod.def.innerType as Node;
    const shape = s?._zod.def.shape;
    if (!shape || typeof key !== 'string') return undefined;
    s = shape[key] as Node | undefined;
  }
  return s as unknown as z.ZodType | undefined;
}

/**
 * One issue in plain words, ending with what was given. `input` is the whole object that was validated;
 * `schema`, the field's own schema, lets a number field say which numbers it takes.
 */
export function describeIssue(issue: Issue, input: unknown, schema?: z.ZodType): string {
  const given = `got ${shown(valueAt(input, issue.path))}`;
  const numeric = numberExpectation(schema);
  switch (issue.code) {
    case 'invalid_type': {
      const expected = String(issue.expected);
      if (valueAt(input, issue.path) === undefined) return `required (${KIND[expected] ?? expected})`;
      if ((expected === 'number' || expected === 'int') && numeric) return `expected ${numeric}, ${given}`;
      return `expected ${KIND[expected] ?? expected}, ${given}`;
    }
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const op = issue.code === 'too_small' ? (issue.inclusive ? '≥' : '>') : issue.inclusive ? '≤' : '<';
      if (issue.origin === 'string') return issue.code === 'too_small' && Number(bound) <= 1 ? `must not be empty` : `expected text of length ${op} ${String(bound)}, ${given}`;
      if (issue.origin === 'array' || issue.origin === 'set') return `expected a list of ${op} ${String(bound)} entries, ${given}`;
      return `expected ${numeric ?? `a number ${op} ${String(bound)}`}, ${given}`;
    }
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => String(v)).join(', ')}, ${given}`;
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
    case 'invalid_union':
      return `not a valid value, ${given}`;
    default:
      // Custom refinements and formats carry a message written for users (e.g. 'expected a duration such as 90s').
      return /^(Invalid|Too )/.test(issue.message) ? `not valid, ${given}` : `${issue.message}, ${given}`;
  }
}
