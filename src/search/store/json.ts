/**
 * JSON that keeps non-finite numbers: failed candidates carry Infinity objectives and evaluators may report
 * Infinity (a model that does not fit in memory), which plain JSON would turn into null.
 */
const TAG = '__num__';

export function encodeJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'number' && !Number.isFinite(v) ? { [TAG]: String(v) } : v,
  );
}

export function decodeJson<T = unknown>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const tagged = (v as Record<string, unknown>)[TAG];
      if (typeof tagged === 'string' && Object.keys(v).length === 1) return Number(tagged);
    }
    return v;
  }) as T;
}
