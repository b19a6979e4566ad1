import { describe, expect, it } from 'vitest';
import type { EvaluatorSpec } from '../../../search/evaluate/registry.js';
import type { Nb201Architecture } from '../../../core/architecture.js';
import { localSpecProfile } from '../../../hardware/measure/calibrate.js';
import { createMeasuredEvaluator } from '../../../search/evaluate/measured.js';
import { createEvaluator } from '../../../search/evaluate/registry.js';
import { parseStudyConfig, resolveStudy } from '../../../search/study-config.js';

const FAST = { warmup: 0, runs: 1, maxSpread: 1, maxRounds: 1 };
const WORKLOAD = { batch: 1, promptTokens: 16, generatedTokens: 4 };

describe('measured evaluator', () => {
  it('measures each candidate for real, keeps the analytic metrics beside it, and is built from its spec', async () => {
    const spec = { kind: 'measured' as const, device: localSpecProfile(), workload: WORKLOAD, mode: 'roofline' as const, law: 'codesign', trainingTokens: 1e10, timing: FAST };
    const evaluator = await createEvaluator(spec);
    expect(evaluator.id).toBe('measured');
    const convs: Nb201Architecture = { family: 'nb201', edges: Array(6).fill('nor_conv_3x3') };
    const skips: Nb201Architecture = { family: 'nb201', edges: Array(6).fill('skip_connect') };
    const results = await evaluator.evaluate([convs, skips]);
    for (const r of results) {
      expect(r.ok).toBe(true);
      if (!r.ok) continue;
      expect(r.metrics.latencyMs).toBeGreaterThan(0);
      expect(r.metrics.analyticLatencyMs).toBeGreaterThan(0);
      expect(r.metrics.params).toBeGreaterThan(0);
      expect([0, 1]).toContain(r.metrics.latencyStable);
    }
  });

  it('two concurrent batches run one measurement at a time and a failure stays with its candidate', async () => {
    const e = createMeasuredEvaluator({ kind: 'measured', device: localSpecProfile(), workload: WORKLOAD, mode: 'roofline', law: 'codesign', trainingTokens: 1e10, timing: FAST });
    const cell: Nb201Architecture = { family: 'nb201', edges: ['nor_conv_1x1', 'skip_connect', 'none', 'avg_pool_3x3', 'none', 'skip_connect'] };
    const bad: Nb201Architecture = { family: 'nb201', edges: ['skip_connect'] };
    const [a, b] = await Promise.all([e.evaluate([cell, bad]), e.evaluate([cell])]);
    expect(a[0].ok).toBe(true);
    expect(a[1].ok).toBe(false);
    expect(b[0].ok).toBe(true);
  });

  it('a stop abandons the candidate being measured (it rejects, recording nothing), and the next batch measures normally', async () => {
    const e = createMeasuredEvaluator({ kind: 'measured', device: localSpecProfile(), workload: WORKLOAD, mode: 'roofline', law: 'codesign', trainingTokens: 1e10, timing: { warmup: 1, runs: 50, maxSpread: 1, maxRounds: 1 } });
    const convs: Nb201Architecture = { family: 'nb201', edges: Array(6).fill('nor_conv_3x3') };
    const controller = new AbortController();
    const stop = new Error('stopped');
    setTimeout(() => controller.abort(stop), 50);
    await expect(e.evaluate([convs, convs], undefined, { signal: controller.signal })).rejects.toBe(stop);
    const [after] = await e.evaluate([convs]);
    expect(after.ok).toBe(true);
  });

  it('study config: --latency calibrated needs a device file; measured refuses several threads; measured defaults to this CPU', () => {
    const resolve = (c: Record<string, unknown>) => resolveStudy(parseStudyConfig({ space: 'nb201', ...c }, { flagKeys: new Set(Object.keys(c)) }), { flagKeys: new Set(Object.keys(c)) });
    expect(() => resolve({ latency: 'calibrated' })).toThrow(/--latency: calibrated latency needs --device-file/);
    expect(() => resolve({ latency: 'calibrated', deviceFile: '/nonexistent/device.json' })).toThrow(/--device-file: .*cannot read/);
    expect(() => resolve({ latency: 'measured', threads: 2 })).toThrow(/--threads: measured latency runs one measurement at a time/);
    // An nb201 study's evaluator is hwnas's own, then NAS-Bench-201's accuracy table.
    const own = (spec: EvaluatorSpec) => (spec.kind === 'combined' ? spec.parts[0] : spec);
    const measured = resolve({ latency: 'measured' });
    expect(measured.evaluator).toMatchObject({ kind: 'combined', parts: [{ kind: 'measured' }, { kind: 'table', file: 'accuracy/nb201_accuracy.csv.gz' }] });
    const calibrated = own(resolve({ latency: 'calibrated', deviceFile: 'hardware/devices/raspberry-pi-5.json' }).evaluator);
    expect(calibrated.kind).toBe('analytic');
    expect((calibrated as { device: { id: string } }).device.id).toBe('raspberry-pi-5');
  });
});
