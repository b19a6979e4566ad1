import { describe, expect, it } from 'vitest';
import { defaultStudyName, identityDifferences, parseStudyConfig, resolveStudy } from '../../search/study-config.js';

describe('default study names', () => {
  it('name the space, the device (a built-in id, or a calibrated profile by its file), the strategy, the seed, the objectives and the constraints', () => {
    expect(defaultStudyName(parseStudyConfig({ space: 'llm-codesign', device: 'jetson-agx-orin', strategy: 'nsga2', seed: 3 }))).toBe('llm-codesign-jetson-agx-orin-nsga2-s3-loss.latency');
    expect(defaultStudyName(parseStudyConfig({ space: 'llm-local', deviceFile: 'out/my-laptop.json', latency: 'calibrated', strategy: 'nsga2', seed: 0 }))).toBe('llm-local-my-laptop-nsga2-s0-loss.latency');
    expect(defaultStudyName(parseStudyConfig({ space: 'llm-local', device: './out/my-laptop.json', strategy: 'nsga2', seed: 0 }))).toBe('llm-local-my-laptop-nsga2-s0-loss.latency');
    expect(defaultStudyName(parseStudyConfig({ space: 'mnasnet', devices: 'raspberry-pi-5,out/gpu.json', strategy: 'nsga2', seed: 1 }))).toBe('mnasnet-raspberry-pi-5_gpu-nsga2-s1-loss.latency');
    // npm start's search: metric aliases as users type them, one part per constraint.
    expect(defaultStudyName(parseStudyConfig({ space: 'llm-codesign', device: 'jetson-agx-orin', strategy: 'roofline', objectives: 'loss,latencyMs', constraints: ['decodeMsPerToken<=20'] }))).toBe(
      'llm-codesign-jetson-agx-orin-roofline-s0-loss.latency-tpot.le20',
    );
    expect(defaultStudyName(parseStudyConfig({ space: 'llm-codesign', device: 'rtx-4090', objectives: 'loss,max:tokensPerS,min:memory', constraints: ['memory<=8GiB', 'tokensPerS>=30'] }))).toBe(
      'llm-codesign-rtx-4090-nsga2-s0-loss.throughput.memory-memory.le8GiB-throughput.ge30',
    );
    expect(defaultStudyName(parseStudyConfig({ space: 'llm-codesign', device: 'rtx-4090', objectives: 'max:loss,min:throughput' }))).toBe('llm-codesign-rtx-4090-nsga2-s0-max-loss.min-throughput');
  });
});

describe('one study per search configuration', () => {
  const base = parseStudyConfig({ space: 'llm-codesign', device: 'jetson-agx-orin', evaluations: 100 });
  it('ignores the budget, the threads, the output and the name', () => {
    expect(identityDifferences(base, parseStudyConfig({ space: 'llm-codesign', device: 'jetson-agx-orin', evaluations: 3000, wallTime: '10m', patience: 5, threads: 2, chunkSize: 4, out: 'f.json', name: 'x', db: 'o.db' }))).toEqual([]);
  });
  it('names every field that makes it another search', () => {
    const other = parseStudyConfig({ space: 'llm-codesign', device: 'rtx-4090', objectives: 'loss,ttft', seed: 2, workload: { promptTokens: 2048 }, strategyOptions: { populationSize: 8 } });
    expect(identityDifferences(base, other).sort()).toEqual(['device', 'objectives', 'seed', 'strategyOptions', 'workload']);
    // Key order inside a nested field does not matter.
    const a = parseStudyConfig({ space: 'nb201', strategyOptions: { a: 1, b: 2 } });
    const b = parseStudyConfig({ space: 'nb201', strategyOptions: { b: 2, a: 1 } });
    expect(identityDifferences(a, b)).toEqual([]);
  });
});

describe('study config messages', () => {
  it('say in plain words what a flag takes, never zod\'s own text, and name the flag once', () => {
    const msg = (input: Record<string, unknown>, flags: string[]) => {
      try {
        parseStudyConfig({ space: 'nb201', ...input }, { flagKeys: new Set(flags) });
      } catch (error) {
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(msg({ evaluations: '2k' }, ['evaluations'])).toBe("--evaluations: expected an integer ≥ 1, got '2k'");
    expect(msg({ seed: '-3' }, ['seed'])).toBe("--seed: expected an integer in [0, 2147483647], got '-3'");
    expect(msg({ trainingTokens: 'lots' }, ['trainingTokens'])).toBe("--training-tokens: expected a number > 0, got 'lots'");
    expect(msg({ evaluatons: 3 }, [])).toMatch(/^hwnas search: unknown key 'evaluatons' \(did you mean 'evaluations'\?\); valid: name, db, space/);
    expect(msg({ evaluatons: 3 }, [])).not.toMatch(/costMs|testFaults/);
    expect(msg({ workload: { batch: 0 } }, ['workload'])).toBe('--batch: expected an integer in [1, 1000000], got 0');
    expect(() => resolveStudy(parseStudyConfig({ space: 'nb201', constraints: ['memroy<=3GB'] }), { flagKeys: new Set(['constraints']) })).toThrow(
      /^--constraint: 'memroy<=3GB': unknown metric 'memroy' \(did you mean 'memory'\?\)/,
    );
  });
});
