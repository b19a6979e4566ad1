import { describe, expect, it } from 'vitest';
import { defaultStudyName, parseStudyConfig } from '../../search/study-config.js';

describe('default study names', () => {
  it('name the space, the device (a built-in id, or a calibrated profile by its file), the strategy and the seed', () => {
    expect(defaultStudyName(parseStudyConfig({ space: 'llm-codesign', device: 'jetson-agx-orin', strategy: 'nsga2', seed: 3 }))).toBe('llm-codesign-jetson-agx-orin-nsga2-s3');
    expect(defaultStudyName(parseStudyConfig({ space: 'llm-local', deviceFile: 'out/my-laptop.json', latency: 'calibrated', strategy: 'nsga2', seed: 0 }))).toBe('llm-local-my-laptop-nsga2-s0');
    expect(defaultStudyName(parseStudyConfig({ space: 'llm-local', device: './out/my-laptop.json', strategy: 'nsga2', seed: 0 }))).toBe('llm-local-my-laptop-nsga2-s0');
    expect(defaultStudyName(parseStudyConfig({ space: 'mnasnet', devices: 'raspberry-pi-5,out/gpu.json', strategy: 'nsga2', seed: 1 }))).toBe('mnasnet-raspberry-pi-5_gpu-nsga2-s1');
  });
});
