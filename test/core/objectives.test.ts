import { describe, expect, it } from 'vitest';
import { UsageError } from '../../cli/errors.js';
import {
  emptyFrontierReason,
  missingMetrics,
  objectiveVector,
  parseConstraint,
  parseObjectives,
  scoreMetrics,
  totalViolation,
} from '../../core/objectives.js';

describe('parseObjectives', () => {
  it('resolves aliases and default directions', () => {
    expect(parseObjectives('loss,latency')).toEqual([
      { metric: 'loss', direction: 'min' },
      { metric: 'latencyMs', direction: 'min' },
    ]);
    expect(parseObjectives('tpot, memory ,energy,ttft')).toEqual([
      { metric: 'decodeMsPerToken', direction: 'min' },
      { metric: 'memoryBytes', direction: 'min' },
      { metric: 'energyJ', direction: 'min' },
      { metric: 'ttftMs', direction: 'min' },
    ]);
    expect(parseObjectives('loss,tokensPerS')[1]).toEqual({ metric: 'tokensPerS', direction: 'max' });
    expect(parseObjectives('max:params,min:tokensPerS')).toEqual([
      { metric: 'params', direction: 'max' },
      { metric: 'tokensPerS', direction: 'min' },
    ]);
  });

  it('rejects unknown, empty and repeated metrics with a UsageError naming the token and the valid metrics', () => {
    expect(() => parseObjectives('loss,latncy')).toThrow(UsageError);
    expect(() => parseObjectives('loss,latncy')).toThrow(/'latncy'.*valid metrics: loss, latencyMs/);
    expect(() => parseObjectives('')).toThrow(UsageError);
    expect(() => parseObjectives('loss,,latency')).toThrow(/empty entry/);
    expect(() => parseObjectives('latency,latencyMs')).toThrow(/repeats metric latencyMs/);
  });
});

describe('parseConstraint', () => {
  it('reads operators, aliases and units into the metric unit', () => {
    expect(parseConstraint('decodeMsPerToken<=20')).toEqual({ metric: 'decodeMsPerToken', op: '<=', budget: 20, text: 'decodeMsPerToken<=20' });
    expect(parseConstraint('memoryBytes<=8e9').budget).toBe(8e9);
    expect(parseConstraint('memory<=8GB').budget).toBe(8e9);
    expect(parseConstraint('memory <= 2GiB').budget).toBe(2 * 1024 ** 3);
    expect(parseConstraint('tokensPerS>=30')).toMatchObject({ metric: 'tokensPerS', op: '>=', budget: 30 });
    expect(parseConstraint('latency<=0.1s').budget).toBe(100);
    expect(parseConstraint('tpot≤20ms')).toMatchObject({ metric: 'decodeMsPerToken', op: '<=', budget: 20 });
    expect(parseConstraint('energy<=500mJ').budget).toBeCloseTo(0.5, 15);
  });

  it('rejects bad specs with one clear line', () => {
    expect(() => parseConstraint('latency<20')).toThrow(/cannot read 'latency<20'/);
    expect(() => parseConstraint('speed<=20')).toThrow(/unknown metric 'speed'; valid metrics:/);
    expect(() => parseConstraint('memory<=8GHz')).toThrow(/unknown unit 'GHz'; valid units for memoryBytes/);
    expect(() => parseConstraint('loss<=2ms')).toThrow(/loss takes a plain number/);
    expect(() => parseConstraint('memory<=8GB')).not.toThrow();
  });
});

describe('scoring metrics', () => {
  const objectives = parseObjectives('loss,tokensPerS');
  const constraints = [parseConstraint('decodeMsPerToken<=20'), parseConstraint('tokensPerS>=40')];

  it('negates maximised metrics and sums normalised violations', () => {
    const metrics = { loss: 2.5, tokensPerS: 30, decodeMsPerToken: 25 };
    // (25 − 20)/20 = 0.25 and (40 − 30)/40 = 0.25.
    expect(scoreMetrics(metrics, objectives, constraints)).toEqual({ objectives: [2.5, -30], violation: 0.5 });
    expect(totalViolation({ loss: 2, tokensPerS: 50, decodeMsPerToken: 20 }, constraints)).toBe(0);
  });

  it('treats a missing metric as a failure and reports it', () => {
    expect(objectiveVector({ loss: 1 }, objectives)).toEqual([1, Infinity]);
    expect(totalViolation({ loss: 1, tokensPerS: 50 }, constraints)).toBe(Infinity);
    expect(missingMetrics({ loss: 1, tokensPerS: 50 }, objectives, constraints)).toEqual(['decodeMsPerToken']);
  });

  it('explains an empty frontier by the closest candidate', () => {
    const evaluated = [
      { loss: 2, tokensPerS: 50, decodeMsPerToken: 30 }, // 0.5
      { loss: 2, tokensPerS: 50, decodeMsPerToken: 22 }, // 0.1
      null,
    ];
    expect(emptyFrontierReason(evaluated, constraints)).toBe(
      'no feasible candidate among 3 evaluated; the smallest violation (total 10.0%) was on decodeMsPerToken<=20 by 10.0% (decodeMsPerToken = 22)',
    );
    expect(emptyFrontierReason([...evaluated, { loss: 2, tokensPerS: 50, decodeMsPerToken: 5 }], constraints)).toBeNull();
    expect(emptyFrontierReason([null, null], constraints)).toBe('no feasible candidate among 2 evaluated: every evaluation failed');
    expect(emptyFrontierReason([], constraints)).toBe('no candidate was evaluated');
  });
});
