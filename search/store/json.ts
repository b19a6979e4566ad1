/**
 * JSON that keeps non-finite numbers: failed candidates carry Infinity objectives and evaluators may report
 * Infinity (a model that does not fit in memory), which plain JSON would turn into null.
 */
const TAG = '__num__';

/** True when some number inside is Infinity or NaN (plain arrays and objects only, as JSON has). */
function hasNonFinite(v: unknown): boolean {
  if (typeof v === 'number') return !Number.isFinite(v);
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) {
    for (const x of v) if (hasNonFinite(x)) return true;
    return false;
  }
  for (const k in v) if (hasNonFinite((v as Record<string, unknown>)[k])) return true;
  return false;
}

export function encodeJson(value: unknown): string {
  // Fast path: JSON writes a non-finite number as null, so text without 'null' needs no second look. A replacer
  // costs a call per key, and walking the value first cost as much as writing it.
  const plain = JSON.stringify(value);
  if (plain === undefined || !plain.includes('null') || !hasNonFinite(value)) return plain;
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'number' && !Number.isFinite(v) ? { [TAG]: String(v) } : v,
  );
}

export function decodeJson<T = unknown>(text: string): T {
  if (!text.includes(TAG)) return JSON.parse(text) as T;
  return JSON.parse(text, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const tagged = (v as Record<string, unknown>)[TAG];
      if (typeof tagged === 'string' && Object.keys(v).length === 1) return Number(tagged);
    }
    return v;
  }) as T;
}

/** A number JSON cannot write as it is: Infinity, NaN, and -0 (written as 0). */
const inexact = (v: number): boolean => !Number.isFinite(v) || Object.is(v, -0);

/**
 * A candidate's metrics or objectives (flat numbers) as JSON that decodeJson reads back exactly, -0 included (a
 * maximised metric of 0 is the objective -0, which plain JSON and encodeJson write as 0).
 */
export function encodeNumbers(value: Readonly<Record<string, number>> | readonly number[]): string {
  const values: readonly number[] = Array.isArray(value) ? value : Object.values(value);
  if (!values.some(inexact)) return JSON.stringify(value);
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && inexact(v) ? { [TAG]: Object.is(v, -0) ? '-0' : String(v) } : v));
}
