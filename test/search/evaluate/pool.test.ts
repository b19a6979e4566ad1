import { describe, expect, it } from 'vitest';
import type { Nb201Architecture } from '../../../core/architecture.js';
import { NB201_OPS } from '../../../core/architecture.js';
import { evaluateGuarded, createPoolEvaluator } from '../../../search/evaluate/pool.js';
import { createEvaluator } from '../../../search/evaluate/registry.js';
import { faultOf, slowTestMetrics } from '../../../search/evaluate/slow-test.js';

const arch = (i: number): Nb201Architecture => ({
  family: 'nb201',
  edges: [0, 1, 2, 3, 4, 5].map((e) => NB201_OPS[Math.floor(i / 5 ** e) % 5]),
});
const archs = Array.from({ length: 24 }, (_, i) => arch(i));

describe('slow test evaluator', () => {
  it('gives each architecture fixed metrics and burns the requested CPU time', async () => {
    const ev = await createEvaluator({ kind: 'slow-test', costMs: 5 });
    const t0 = performance.now();
    const r = await ev.evaluate(archs.slice(0, 4));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(20);
    expect(r).toEqual(archs.slice(0, 4).map((a) => ({ ok: true, metrics: slowTestMetrics(a) })));
    const m = slowTestMetrics(archs[0]);
    // The documented shape: loss in [2, 3), latency in [1, 16).
    expect(m.loss).toBeGreaterThanOrEqual(2);
    expect(m.loss).toBeLessThan(3);
    expect(m.latencyMs).toBeGreaterThanOrEqual(1);
    expect(m.latencyMs).toBeLessThan(16);
  });
});

describe('pool evaluator', () => {
  it('returns results in order; throw, hang and crash fail only their own candidates; dead workers are replaced', async () => {
    const faults = { throwRate: 0.1, hangRate: 0.1, crashRate: 0.1 };
    // One candidate of each fault among healthy ones, spread over tasks of 3.
    const pick = (k: string | undefined, n: number) => archs.filter((a) => faultOf(a, faults) === k).slice(0, n);
    const batch = [...pick(undefined, 5), ...pick('throw', 1), ...pick('hang', 1), ...pick('crash', 1)];
    const order = [0, 5, 1, 6, 2, 3, 7, 4];
    const subset = order.map((i) => batch[i]);
    const kinds = subset.map((a) => faultOf(a, faults));
    for (const k of ['throw', 'hang', 'crash', undefined]) expect(kinds).toContain(k);
    const pool = createPoolEvaluator({ spec: { kind: 'slow-test', costMs: 1, faults }, threads: 2, chunkSize: 3, timeoutMsPerCandidate: 400 });
    try {
      const results = await pool.evaluate(subset);
      expect(results).toHaveLength(subset.length);
      results.forEach((r, i) => {
        const k = kinds[i];
        if (k === undefined) expect(r).toEqual({ ok: true, metrics: slowTestMetrics(subset[i]) });
        else if (k === 'throw') expect(r).toEqual({ ok: false, error: 'slow-test: injected failure' });
        else if (k === 'hang') expect(r).toEqual({ ok: false, error: 'timed out after 400 ms' });
        else expect(r.ok === false && r.error).toMatch(/worker died|exit/);
      });
      // The pool still works after its workers were killed and terminated.
      const again = await pool.evaluate(pick(undefined, 4));
      expect(again.every((r) => r.ok)).toBe(true);
      expect(pool.threads).toBe(2);
    } finally {
      await pool.close();
    }
  }, 180_000);

  it('in-process guard isolates a throwing batch and times out a hanging candidate', async () => {
    const faults = { throwRate: 0.1, hangRate: 0.1, crashRate: 0.1 };
    const ev = await createEvaluator({ kind: 'slow-test', costMs: 0, faults });
    const sub = archs.slice(0, 20);
    const results = await evaluateGuarded(ev, sub, 50);
    results.forEach((r, i) => {
      const k = faultOf(sub[i], faults);
      if (k === undefined) expect(r.ok).toBe(true);
      else if (k === 'hang') expect(r).toEqual({ ok: false, error: 'timed out after 50 ms' });
      else expect(r.ok).toBe(false);
    });
  });
});
