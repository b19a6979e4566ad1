import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { lowerMnasnet, lowerNb201 } from '../../core/lower-cnn.js';
import { MNASNET_PRESETS } from '../../core/spaces/mnasnet.js';
import { getDevice } from '../../hardware/devices.js';
import { analyzeForward } from '../../hardware/roofline.js';
import { captureConsole } from './console.js';

const { errors, logs } = captureConsole();
const tmp = () => mkdtempSync(join(tmpdir(), 'hwnas-split-'));
const CELL = { family: 'nb201', edges: ['nor_conv_3x3', 'nor_conv_3x3', 'nor_conv_3x3', 'skip_connect', 'nor_conv_3x3', 'nor_conv_3x3'] } as const;

describe('hwnas split', () => {
  it('an NB201 network from a file over a link sweep: all on one device costs its forward pass plus the link', async () => {
    const d = tmp();
    const file = join(d, 'cell.json');
    writeFileSync(file, JSON.stringify(CELL));
    expect(await main(['split', '--model', file, '--devices', 'raspberry-pi-5,rtx-4090', '--link', '10Mbit/s,2ms', '--link', '1Gbit/s,1ms', '--json', '--all'])).toBe(0);
    const out = JSON.parse(logs.join('\n'));
    expect(out.devices).toEqual(['raspberry-pi-5', 'rtx-4090']);
    expect(out.links).toHaveLength(2);
    const [slow, fast] = out.links;
    const units = out.units.length;
    expect(slow.partitions).toHaveLength(units + 1);
    const onGpu = fast.partitions.find((p: { cuts: number[] }) => p.cuts[0] === 0);
    const gpuForwardMs = analyzeForward(lowerNb201(CELL).ops, getDevice('rtx-4090'), 'fp32').latencyMs;
    // 3·32·32 bytes of image in, 10 fp32 logits back, each 1 ms + 8·bytes / 1 Gbit/s.
    const linkMs = 1 + (8 * 3 * 32 * 32) / 1e6 + 1 + (8 * 40) / 1e6;
    expect(onGpu.prefill.latencyMs).toBeCloseTo(gpuForwardMs + linkMs, 9);
    const onPi = slow.partitions.find((p: { cuts: number[] }) => p.cuts[0] === units);
    expect(onPi.prefill.latencyMs).toBeCloseTo(analyzeForward(lowerNb201(CELL).ops, getDevice('raspberry-pi-5'), 'fp32').latencyMs, 9);
    expect(onPi.prefill.hops).toEqual([]);
    for (const s of out.links) expect(s.phases[0].frontier.length).toBeGreaterThan(0);
  });

  it('prints the frontier, where all-on-one-device stands, and the sweep; an LLM splits prefill and decode', async () => {
    expect(await main(['split', '--model', 'mobilenetv2', '--devices', 'raspberry-pi-5,rtx-4090', '--link', '10Mbit/s,2ms', '--link', '1Gbit/s,2ms'])).toBe(0);
    const text = logs.join('\n');
    expect(text).toMatch(/MobileNetV2 1\.0 \(224\) over raspberry-pi-5 → rtx-4090, link 10Mbit\/s,2ms: 22 partitions of 21 units/);
    expect(text).toMatch(/all on rtx-4090: (not dominated|dominated by .*)/);
    expect(text).toMatch(/link sweep/);
    logs.length = 0;
    expect(await main(['split', '--model', 'smollm2-135m', '--devices', 'raspberry-pi-5,rtx-4090', '--prompt', '128', '--generate', '4'])).toBe(0);
    const llm = logs.join('\n');
    expect(llm).toMatch(/prefill: TTFT vs prompts\/s — frontier of \d+/);
    expect(llm).toMatch(/decode step: latency per token vs tokens\/s — frontier of \d+/);
    expect(llm).toMatch(/prefill and decode split separately/);
  });

  it('a profile file works as a device (a calibrated profile from hwnas calibrate): its stage is priced on that profile', async () => {
    const d = tmp();
    const board = join(d, 'board.json');
    const pi = getDevice('raspberry-pi-5');
    // Half the Pi's compute and a larger per-operator cost, as a calibration might find.
    const profile = { ...pi, id: 'board', name: 'calibrated board', peakFlopsPerS: { fp32: pi.peakFlopsPerS.fp32! / 2 }, opOverheadS: 20e-6 };
    writeFileSync(board, JSON.stringify(profile));
    expect(await main(['split', '--model', 'mnasnet-a1', '--devices', `${board},rtx-4090`, '--json', '--all'])).toBe(0);
    const out = JSON.parse(logs.join('\n'));
    expect(out.devices).toEqual(['board', 'rtx-4090']);
    const onBoard = out.links[0].partitions.find((p: { cuts: number[] }) => p.cuts[0] === out.units.length);
    const ops = lowerMnasnet(MNASNET_PRESETS['mnasnet-a1']).ops;
    expect(onBoard.prefill.latencyMs).toBeCloseTo(analyzeForward(ops, getDevice(board), 'fp32').latencyMs, 9);
    expect(onBoard.prefill.latencyMs).toBeGreaterThan(analyzeForward(ops, pi, 'fp32').latencyMs);
  });

  it('takes one candidate of an exported study', async () => {
    const d = tmp();
    const file = join(d, 'frontier.json');
    writeFileSync(file, JSON.stringify({ provenance: {}, candidates: [{ seq: 3, architecture: CELL }, { seq: 7, architecture: { ...CELL, edges: Array(6).fill('skip_connect') } }] }));
    expect(await main(['split', '--model', file, '--candidate', '7', '--devices', 'raspberry-pi-5,rtx-4090', '--json'])).toBe(0);
    expect(JSON.parse(logs.join('\n')).model).toBe('nb201');
  });

  it('takes a model folder as from_pretrained does (its config.json)', async () => {
    const d = tmp();
    const model = join(d, 'llama');
    mkdirSync(model);
    // Llama-3.2-1B's published config.json fields: 1,235,814,400 parameters.
    writeFileSync(join(model, 'config.json'), JSON.stringify({ model_type: 'llama', hidden_size: 2048, intermediate_size: 8192, num_attention_heads: 32, num_hidden_layers: 16, num_key_value_heads: 8, head_dim: 64, vocab_size: 128256, tie_word_embeddings: true }));
    logs.length = 0;
    expect(await main(['split', '--model', model, '--devices', 'raspberry-pi-5,rtx-4090', '--json'])).toBe(0);
    // Embedding, 16 decoder layers, LM head.
    expect(JSON.parse(logs.join('\n')).units).toHaveLength(18);
    errors.length = 0;
    expect(await main(['split', '--model', d, '--devices', 'raspberry-pi-5,rtx-4090'])).toBe(2);
    expect(errors).toEqual([`--model: ${d} is a folder without a config.json (give the model folder, or the config file itself)`]);
  });

  it('bad input: one line, exit 2, nothing written', async () => {
    const d = tmp();
    const exported = join(d, 'frontier.json');
    writeFileSync(exported, JSON.stringify({ candidates: [{ seq: 1, architecture: CELL }, { seq: 2, architecture: CELL }] }));
    const badArch = join(d, 'bad.json');
    writeFileSync(badArch, JSON.stringify({ family: 'mnasnet', blocks: [] }));
    const hugeArch = join(d, 'huge.json');
    const block = { convOp: 'mbconv6', kernel: 3, seRatio: 0, skip: 'identity', filters: 32, layers: 2 };
    writeFileSync(hugeArch, JSON.stringify({ family: 'mnasnet', blocks: [block, block, block, { ...block, layers: 1e8 }, block, block, block] }));
    for (const [argv, pattern] of [
      [['split', '--devices', 'raspberry-pi-5,rtx-4090'], /--model is required/],
      [['split', '--model', 'resnet50', '--devices', 'raspberry-pi-5,rtx-4090'], /--model: 'resnet50' is neither a preset/],
      [['split', '--model', 'mobilenetv2', '--devices', 'raspberry-pi-5'], /--devices: expected at least 2 devices/],
      [['split', '--model', 'mobilenetv2', '--devices', 'raspberry-pi-5,tpu9'], /--devices: .*tpu9/],
      [['split', '--model', 'mobilenetv2', '--devices', 'raspberry-pi-5,rtx-4090', '--link', 'fast'], /--link: .*'fast'/],
      [['split', '--model', 'mobilenetv2', '--devices', 'raspberry-pi-5,rtx-4090', '--prompt', '64'], /--prompt: only for LLMs/],
      [['split', '--model', exported, '--devices', 'raspberry-pi-5,rtx-4090'], /holds 2 candidates; choose one with --candidate/],
      [['split', '--model', exported, '--candidate', '9', '--devices', 'raspberry-pi-5,rtx-4090'], /--candidate: no candidate with seq 9/],
      [['split', '--model', badArch, '--devices', 'raspberry-pi-5,rtx-4090'], /bad\.json: blocks: /],
      [['split', '--model', 'mixtral-8x7b', '--devices', 'raspberry-pi-5,jetson-orin-nano,jetson-agx-orin,rtx-4090,a100-80gb,h100-sxm'], /--devices: .*34 units over 6 devices make 575,757 partitions, above the limit of 100,000/],
      [['split', '--model', hugeArch, '--devices', 'raspberry-pi-5,rtx-4090'], /huge\.json: blocks\.3\.layers: 100000000 is above the limit of 10000 layers/],
    ] as [string[], RegExp][]) {
      errors.length = 0;
      expect(await main(argv)).toBe(2);
      expect(errors).toHaveLength(1);
      expect(errors[0]).not.toContain('\n');
      expect(errors[0]).toMatch(pattern);
    }
    expect(readdirSync(d).sort()).toEqual(['bad.json', 'frontier.json', 'huge.json']);
  });
});
