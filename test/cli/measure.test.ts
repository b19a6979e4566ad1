import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { captureConsole } from './console.js';
import { loadDeviceFile } from '../../hardware/devices.js';
import { analyzeForward } from '../../hardware/roofline.js';
import { lowerMnasnet } from '../../core/lower-cnn.js';
import { costBytes } from '../../core/ops.js';
import { MNASNET_PRESETS } from '../../core/spaces/mnasnet.js';
import { loadLatencySamples } from '../../predictors/latency/data.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'hwnas-measure-'));
const { errors } = captureConsole();

const FAST = ['--runs', '1', '--warmup', '0', '--max-rounds', '1', '--quiet'];

describe('hwnas measure / calibrate', () => {
  it('measure writes the CSV that predictor adapt reads (arch_str, latency_ms), with the machine of every figure', async () => {
    const d = tmp();
    const out = join(d, 'measured.csv');
    expect(await main(['measure', '--space', 'nb201', '--sample', '3', '--seed', '5', '--out', out, ...FAST])).toBe(0);
    const samples = loadLatencySamples(out, 'nb201');
    expect(samples.genes).toHaveLength(3);
    for (const v of samples.latencyMs) expect(v).toBeGreaterThan(0);
    const header = readFileSync(out, 'utf8').split('\n')[0].split(',');
    expect(header).toEqual(expect.arrayContaining(['arch_str', 'latency_ms', 'spread', 'rounds', 'stable', 'backend', 'threads', 'cpu']));
    const out2 = join(d, 'llm.csv');
    expect(await main(['measure', '--space', 'llm-local', '--sample', '1', '--seed', '1', '--prompt', '8', '--generate', '2', '--out', out2, ...FAST])).toBe(0);
    expect(readFileSync(out2, 'utf8').split('\n')[0]).toMatch(/^arch_str,latency_ms,ttft_ms,decode_ms_per_token/);
  });

  it('measure --model: the published networks of the mnasnet space, one column per gene', async () => {
    const out = join(tmp(), 'mnas.csv');
    expect(await main(['measure', '--model', 'mobilenetv2,mnasnet-a1', '--out', out, ...FAST])).toBe(0);
    const [head, ...rows] = readFileSync(out, 'utf8').trim().split('\n');
    expect(rows).toHaveLength(2);
    const cols = head.split(',');
    expect(cols.slice(0, 3)).toEqual(['arch_str', 'latency_ms', 'b1_conv']);
    expect(rows[1].split(',')[cols.indexOf('b5_filters')]).toBe('112');
    expect(Number(rows[0].split(',')[1])).toBeGreaterThan(0);
  });

  it('bad input: one line, exit 2, nothing written', async () => {
    const d = tmp();
    for (const argv of [
      ['measure', '--space', 'bogus', '--out', join(d, 'x.csv')],
      ['measure', '--space', 'nb201', '--out', join(d, 'x.txt')],
      ['measure', '--space', 'nb201', '--sample', '-1', '--out', join(d, 'x.csv')],
      ['measure', '--space', 'llm-local', '--reference', 'help', '--out', join(d, 'x.csv')],
      ['measure', '--space', 'llm-codesign', '--sample', '1', '--max-params', '1000', '--out', join(d, 'x.csv')],
      ['calibrate', '--device-name', 'Bad Name', '--out', join(d, 'd.json')],
      ['measure', '--model', 'resnet50', '--out', join(d, 'x.csv')],
      ['measure', '--space', 'nb201', '--model', 'mobilenetv2', '--out', join(d, 'x.csv')],
    ]) {
      errors.length = 0;
      expect(await main(argv)).toBe(2);
      expect(errors).toHaveLength(1);
      expect(errors[0]).not.toContain('\n');
    }
    expect(readdirSync(d)).toEqual([]);
  });

  it('calibrate --quick writes a device profile that loads as a device file', async () => {
    const d = tmp();
    const out = join(d, 'device.json');
    expect(await main(['calibrate', '--quick', '--device-name', 'my-box', '--out', out, '--json'])).toBe(0);
    expect(existsSync(out)).toBe(true);
    const p = loadDeviceFile(out);
    expect(p.id).toBe('my-box');
    expect(p.computeEfficiency).toBeGreaterThan(0);
    expect(p.opOverheadS).toBeGreaterThan(0);
    // The depthwise rate was measured (3×3 and 5×5 runs kept in the record), and the file loads back whole.
    const written = JSON.parse(readFileSync(out, 'utf8'));
    expect(p).toEqual(written);
    const dwEfficiency = p.runtime?.depthwiseConvEfficiency ?? NaN;
    expect(dwEfficiency).toBeGreaterThan(0);
    expect(dwEfficiency).toBeLessThanOrEqual(1);
    const dwRuns = written.calibration.micro.filter((m: { kind: string }) => m.kind === 'depthwise').map((m: { name: string }) => m.name);
    expect(dwRuns.some((n: string) => / k3 /.test(n)) && dwRuns.some((n: string) => / k5 /.test(n))).toBe(true);
    // A MobileNetV2 priced on it: each depthwise layer at FLOPs / (peak × that share), bandwidth permitting.
    const ops = lowerMnasnet(MNASNET_PRESETS.mobilenetv2).ops;
    const f = analyzeForward(ops, p, 'fp32');
    const first = ops.findIndex((o) => o.depthwise);
    const peak = p.peakFlopsPerS.fp32!;
    const expectedS = Math.max(ops[first].base.flops / (peak * dwEfficiency), costBytes(ops[first].base) / (p.memoryBandwidthBytesPerS * p.memoryEfficiency)) + p.opOverheadS;
    expect(f.ops[first].latencyMs / 1e3).toBeCloseTo(expectedS, 12);
  });
});
