/**
 * A study measured on several devices (--measure-on): its metrics named after each device, objectives and
 * constraints that name them, its parts merged into one result, and the refusals of what does not go with it.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConstraint, parseObjectives } from '../../../core/objectives.js';
import { farmPartDevices, farmPartSpec, mergeFarmParts, type FarmSpec } from '../../../search/evaluate/farm.js';
import type { EvaluatorSpec } from '../../../search/evaluate/registry.js';
import { parseStudyConfig, resolveStudy } from '../../../search/study-config.js';

const resolve = (c: Record<string, unknown>) => {
  const sources = { flagKeys: new Set(Object.keys(c)) };
  return resolveStudy(parseStudyConfig(c, sources), sources);
};
const farmOf = (spec: EvaluatorSpec) => spec as FarmSpec<EvaluatorSpec>;

describe('metrics of one device', () => {
  it('objectives and constraints name a device after @, with the aliases, units and directions of the metric', () => {
    const known = ['loss', 'latencyMs@pixel7', 'tokensPerS@jetson-orin-nano', 'latencyMs@raspberry-pi-5'];
    expect(parseObjectives('loss,latency@pixel7,throughput@jetson-orin-nano', known)).toEqual([
      { metric: 'loss', direction: 'min' },
      { metric: 'latencyMs@pixel7', direction: 'min' },
      { metric: 'tokensPerS@jetson-orin-nano', direction: 'max' },
    ]);
    expect(parseConstraint('latency@raspberry-pi-5<=0.2s', known)).toEqual({ metric: 'latencyMs@raspberry-pi-5', op: '<=', budget: 200, text: 'latency@raspberry-pi-5<=0.2s' });
    expect(() => parseObjectives('latency@pixel8', known)).toThrow(/unknown metric 'latency@pixel8' \(did you mean 'latencyMs@pixel7'\?\)/);
  });
});

describe('merging a candidate\'s parts', () => {
  const spec = farmOf(resolve({ space: 'llm-local', measureOn: 'raspberry-pi-5,jetson-orin-nano' }).evaluator);
  it('part 0 as it is, each device\'s measurement under its name; a failed part fails the candidate, naming its device', () => {
    expect(farmPartDevices(spec)).toEqual([null, 'raspberry-pi-5', 'jetson-orin-nano']);
    const merged = mergeFarmParts(spec, [
      { ok: true, metrics: { loss: 3.1, params: 1e6 } },
      { ok: true, metrics: { latencyMs: 40, ttftMs: 10 } },
      { ok: true, metrics: { latencyMs: 12, ttftMs: 3 } },
    ]);
    expect(merged).toEqual({ ok: true, metrics: { loss: 3.1, params: 1e6, 'latencyMs@raspberry-pi-5': 40, 'ttftMs@raspberry-pi-5': 10, 'latencyMs@jetson-orin-nano': 12, 'ttftMs@jetson-orin-nano': 3 } });
    expect(mergeFarmParts(spec, [{ ok: true, metrics: {} }, { ok: true, metrics: {} }, { ok: false, error: 'out of memory' }])).toEqual({ ok: false, error: 'on jetson-orin-nano: out of memory' });
  });

  it('each part has its evaluator: the roofline on the primary device without its latencies, then a latency-only measurement per device', () => {
    const base = farmPartSpec(spec, 0) as EvaluatorSpec;
    expect(base).toMatchObject({ kind: 'combined', parts: [{ kind: 'analytic', device: { id: 'raspberry-pi-5' } }], omit: ['latencyMs', 'ttftMs', 'decodeMsPerToken', 'tokensPerS'] });
    expect(farmPartSpec(spec, 2)).toMatchObject({ kind: 'measured', device: { id: 'jetson-orin-nano' }, latencyOnly: true });
    expect(() => farmPartSpec(spec, 3)).toThrow(/part 3 of a study measured on 2 device/);
    // --device names the primary device; the study's own evaluators run with part 0.
    const withDevice = farmOf(resolve({ space: 'nb201', measureOn: 'raspberry-pi-5', device: 'rtx-4090' }).evaluator);
    expect(withDevice.base).toMatchObject({ kind: 'combined', parts: [{ kind: 'analytic', device: { id: 'rtx-4090' } }, { kind: 'table' }] });
  });
});

describe('--measure-on in a study config', () => {
  it('declares each device\'s metrics (a CNN space has no prefill or decode steps) and refuses the roofline latency', () => {
    const cnn = resolve({ space: 'nb201', measureOn: 'raspberry-pi-5,jetson-orin-nano', objectives: 'max:cifar10Accuracy,latency@raspberry-pi-5' });
    const names = cnn.declared.map((d) => d.name);
    expect(names).toContain('latencyMs@jetson-orin-nano');
    expect(names).not.toContain('ttftMs@jetson-orin-nano');
    const llm = resolve({ space: 'llm-local', measureOn: 'raspberry-pi-5', objectives: 'loss,tpot@raspberry-pi-5,throughput@raspberry-pi-5' });
    expect(llm.objectives).toEqual([
      { metric: 'loss', direction: 'min' },
      { metric: 'decodeMsPerToken@raspberry-pi-5', direction: 'min' },
      { metric: 'tokensPerS@raspberry-pi-5', direction: 'max' },
    ]);
    // Named by its devices and objectives ('@' is not kept in a name that may become a file name).
    expect(llm.name).toBe('llm-local-on-raspberry-pi-5-nsga2-s0-loss.tpot_raspberry-pi-5.throughput_raspberry-pi-5');
  });

  it('refuses what does not go with it, naming the flag', () => {
    expect(() => resolve({ space: 'nb201', measureOn: 'raspberry-pi-5,nope' })).toThrow(/^--measure-on: unknown device 'nope'/);
    expect(() => resolve({ space: 'nb201', measureOn: 'raspberry-pi-5,raspberry-pi-5' })).toThrow(/^--measure-on: device 'raspberry-pi-5' is named twice/);
    expect(() => resolve({ space: 'nb201', measureOn: 'raspberry-pi-5,' })).toThrow(/^--measure-on: expected devices separated by commas/);
    expect(() => resolve({ space: 'nb201', measureOn: 'raspberry-pi-5', latency: 'predicted' })).toThrow(/^--latency: --measure-on measures latency on each device/);
    expect(() => resolve({ space: 'nb201', measureOn: 'raspberry-pi-5', devices: 'raspberry-pi-5,rtx-4090' })).toThrow(/^--measure-on: a split over --devices/);
  });

  it('a profile file names its device by the id inside, and the study keeps a copy of it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hwnas-measure-on-'));
    const file = join(dir, 'board.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync('hardware/devices/raspberry-pi-5.json', 'utf8')), id: 'my-board' }));
    const r = resolve({ space: 'nb201', measureOn: `${file},jetson-orin-nano`, objectives: 'max:cifar10Accuracy,latency@my-board' });
    expect(farmPartDevices(farmOf(r.evaluator))).toEqual([null, 'my-board', 'jetson-orin-nano']);
    expect(r.inputs.measureOn?.map((f) => f.path)).toEqual([file]);
  });
});
