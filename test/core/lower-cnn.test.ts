import { describe, expect, it } from 'vitest';
import { FBNET_BLOCKS, type FbnetBlock, type MnasnetArchitecture, type MnasnetBlock, type Nb201Op } from '../../core/architecture.js';
import { cnnTotals, convMacs, lowerFbnet, lowerMnasnet, lowerNb201 } from '../../core/lower-cnn.js';
import { MNASNET_PRESETS } from '../../core/spaces/mnasnet.js';
import type { Op } from '../../core/ops.js';

/** Multiply-accumulates of convolutions and linear layers: what NAS-Bench-201's counter reports as "FLOPs". */
const macs = (ops: readonly Op[]) => ops.filter((o) => o.kind === 'conv' || o.kind === 'matmul').reduce((s, o) => s + o.base.flops / 2, 0);
const nb201 = (op: Nb201Op) => lowerNb201({ family: 'nb201', edges: Array(6).fill(op) });

describe('NAS-Bench-201 lowering', () => {
  it('all-none cell: the stem, two reduction blocks and the classifier (NAS-Bench-201 minimum: 7.78 MFLOPs, 0.073 M params)', () => {
    // stem 32²·16·3·9 = 442,368; each reduction: conv_a (H/2)²·2C·C·9 + conv_b (H/2)²·2C·2C·9 + shortcut (H/2)²·2C·C
    // = 16²·32·16·9 + 16²·32·32·9 + 16²·32·16 = 3,670,016 (and the same at 8²·64·32); classifier 64·10 = 640.
    const lowered = nb201('none');
    expect(macs(lowered.ops)).toBe(442_368 + 2 * 3_670_016 + 640);
    expect(macs(lowered.ops) / 1e6).toBeCloseTo(7.78, 2);
    // stem 432 + BN 32; block 1: 4608 + 64 + 9216 + 64 + 512; block 2: 18432 + 128 + 36864 + 128 + 2048; last BN 128; fc 650.
    expect(lowered.params).toBe(464 + 14_464 + 57_600 + 128 + 650);
  });

  it('all-conv3x3 cell adds 6 convolutions per cell: 15 cells of H²·C²·9 each (NAS-Bench-201 maximum: 220 MFLOPs, 1.53 M params)', () => {
    const lowered = nb201('nor_conv_3x3');
    const perStage = 5 * 6 * 32 * 32 * 16 * 16 * 9; // the same at (16², 32) and (8², 64)
    expect(macs(lowered.ops)).toBe(7_783_040 + 3 * perStage);
    expect(macs(lowered.ops) / 1e6).toBeCloseTo(220.12, 2);
    expect(lowered.params).toBe(73_306 + 30 * (16 * 16 * 9 + 32) + 30 * (32 * 32 * 9 + 64) + 30 * (64 * 64 * 9 + 128));
  });

  it('skip edges are free and node sums cost one FLOP per element per extra input', () => {
    const skip = nb201('skip_connect');
    expect(macs(skip.ops)).toBe(7_783_040);
    // node 2 sums 2 inputs, node 3 sums 3: 1 + 2 adds per element; 5 cells per stage; C·H² halves at each stage.
    const sums = skip.ops.filter((o) => o.name.endsWith('.sum')).reduce((s, o) => s + o.base.flops, 0);
    expect(sums).toBe(5 * 3 * (16 * 32 * 32 + 32 * 16 * 16 + 64 * 8 * 8));
  });

  it('counts fp32 bytes of a 3×3 convolution: weights + folded BN bias, input read, output written', () => {
    const op = nb201('nor_conv_3x3').ops.find((o) => o.name === 'stage0.cell0.edge1_0.nor_conv_3x3')!;
    expect(op.base.weightBytes).toBe((16 * 16 * 9 + 16) * 4);
    expect(op.base.activationBytesRead).toBe(16 * 32 * 32 * 4);
    expect(op.base.activationBytesWritten).toBe(16 * 32 * 32 * 4);
    expect(op.phase).toBe('forward');
  });

  it('scales FLOPs linearly with batch', () => {
    const one = cnnTotals(nb201('nor_conv_1x1').ops).flops;
    const eight = cnnTotals(lowerNb201({ family: 'nb201', edges: Array(6).fill('nor_conv_1x1') }, { batch: 8, precision: 'fp32' }).ops).flops;
    expect(eight).toBe(8 * one);
  });
});

describe('FBNet lowering', () => {
  const fbnet = (blocks: FbnetBlock[]) => lowerFbnet({ family: 'fbnet', blocks });

  it('all-skip network: stem, strided 1×1 convs where the shape changes, head and classifier', () => {
    const lowered = fbnet(Array(22).fill('skip'));
    const expected =
      112 * 112 * 16 * 3 * 9 + // stem, stride 2
      56 * 56 * 24 * 16 + // 16 → 24, stride 2
      28 * 28 * 32 * 24 + // 24 → 32, stride 2
      14 * 14 * 64 * 32 + // 32 → 64, stride 2
      14 * 14 * 112 * 64 + // 64 → 112, stride 1
      7 * 7 * 184 * 112 + // 112 → 184, stride 2
      7 * 7 * 352 * 184 + // 184 → 352
      7 * 7 * 1984 * 352 + // head conv
      1984 * 1000; // classifier
    expect(macs(lowered.ops)).toBe(expected);
  });

  it('an inverted-residual block: expansion, depthwise, projection and the residual add', () => {
    const blocks: FbnetBlock[] = Array(22).fill('skip');
    blocks[0] = 'k3_e6'; // 16 → 16 at 112², stride 1, mid = 96
    const ops = fbnet(blocks).ops.filter((o) => o.name.startsWith('layer0.'));
    expect(ops.map((o) => o.name)).toEqual(['layer0.k3_e6.pw_expand', 'layer0.k3_e6.dw3x3', 'layer0.k3_e6.pw_project', 'layer0.k3_e6.residual']);
    expect(macs(ops)).toBe(112 * 112 * 96 * 16 + 112 * 112 * 96 * 9 + 112 * 112 * 16 * 96);
  });

  it('grouped blocks halve the 1×1 convolutions and add a channel shuffle', () => {
    const plain: FbnetBlock[] = Array(22).fill('skip');
    const grouped = plain.slice();
    plain[0] = 'k5_e1';
    grouped[0] = 'k5_e1_g2';
    const pw = (blocks: FbnetBlock[]) => macs(fbnet(blocks).ops.filter((o) => o.name.startsWith('layer0.') && o.name.includes('pw')));
    expect(pw(grouped)).toBe(pw(plain) / 2);
    expect(fbnet(grouped).ops.some((o) => o.name === 'layer0.k5_e1_g2.shuffle')).toBe(true);
    expect(FBNET_BLOCKS).toHaveLength(9);
  });
});

describe('MnasNet lowering', () => {
  const mbv2 = MNASNET_PRESETS.mobilenetv2;
  const a1 = MNASNET_PRESETS['mnasnet-a1'];

  it('MobileNetV2 1.0: 300M multiply-adds and 3.4M parameters as published (Sandler et al. 2018, Table 4)', () => {
    const lowered = lowerMnasnet(mbv2);
    // The exact count is 300.77M; the paper prints 300M (truncated, as for its 3.4M below).
    expect(convMacs(lowered.ops)).toBe(300_774_272);
    expect(Math.floor(convMacs(lowered.ops) / 1e6)).toBe(300);
    // Trainable parameters with BN's scale and shift: torchvision's mobilenet_v2 has exactly 3,504,872. BN folded
    // into the convolutions (17,056 channels × 2 = 34,112, the Keras model's non-trainable moving statistics too)
    // leaves 3,470,760: the paper's "3.4M" is that, truncated.
    expect(lowered.params).toBe(3_504_872);
    expect(lowered.params - 34_112).toBe(3_470_760);
  });

  it('MnasNet-A1: 312M multiply-adds and 3.9M parameters as published (Tan et al. 2019, Table 1)', () => {
    const lowered = lowerMnasnet(a1);
    const macs = convMacs(lowered.ops);
    // Convolutions and classifier 311.58M; with the SE scaling multiplies (0.60M) 312.18M: both round to 312M.
    expect(Math.round(macs / 1e6)).toBe(312);
    const seScale = lowered.ops.filter((o) => o.name.endsWith('.se.scale')).reduce((s, o) => s + o.base.flops, 0);
    // Block 3: 72·28² + 2·120·28²; block 5: 480·14² + 672·14²; block 6: 672·7² + 2·960·7².
    expect(seScale).toBe(72 * 784 + 2 * 120 * 784 + 480 * 196 + 672 * 196 + 672 * 49 + 2 * 960 * 49);
    expect(Math.round((macs + seScale) / 1e6)).toBe(312);
    expect(Math.round(lowered.params / 1e5) / 10).toBe(3.9);
  });

  it('a regular convolution with SE and a pooled shortcut across a stride-2 layer, by hand', () => {
    const blocks: MnasnetBlock[] = mbv2.blocks.map((b) => ({ ...b }));
    blocks[1] = { convOp: 'conv', kernel: 3, seRatio: 0.25, skip: 'pool', filters: 24, layers: 1 };
    const ops = lowerMnasnet({ family: 'mnasnet', blocks }).ops.filter((o) => o.name.startsWith('block2.'));
    expect(ops.map((o) => o.name.replace('block2.layer0.conv_k3.', ''))).toEqual(['conv3x3', 'se.pool', 'se.reduce', 'se.expand', 'se.scale', 'shortcut.pool', 'shortcut.conv1x1', 'residual']);
    const f = Object.fromEntries(ops.map((o) => [o.name.split('.').slice(3).join('.'), o.base]));
    // 16 → 24 channels, 112² → 56²; SE squeezes 24 channels to floor(16 · 0.25) = 4.
    expect(f.conv3x3.flops).toBe(2 * 56 * 56 * 24 * 16 * 9);
    expect(f['se.reduce'].flops).toBe(2 * 24 * 4);
    expect(f['se.expand'].flops).toBe(2 * 4 * 24);
    expect(f['shortcut.pool'].flops).toBe(16 * 56 * 56 * 4);
    expect(f['shortcut.conv1x1'].flops).toBe(2 * 56 * 56 * 16 * 24);
    expect(f.residual.flops).toBe(24 * 56 * 56);
    expect(f['se.scale'].activationBytesRead).toBe((24 * 56 * 56 + 24) * 4);
    // Parameters: conv 3·3·16·24 + BN 2·24; SE 24·4 + 4 and 4·24 + 24 (biases, no BN); projection 16·24 + BN 2·24.
    const base = lowerMnasnet(mbv2);
    const baseBlock2 = base.ops.filter((o) => o.name.startsWith('block2.layer0.'));
    const mbv2Block2Layer0 = 16 * 96 + 2 * 96 + 9 * 96 + 2 * 96 + 96 * 24 + 2 * 24;
    expect(baseBlock2.length).toBe(3);
    const layer1 = 24 * 144 + 2 * 144 + 9 * 144 + 2 * 144 + 144 * 24 + 2 * 24; // MobileNetV2's second layer of block 2, dropped
    expect(lowerMnasnet({ family: 'mnasnet', blocks }).params - base.params).toBe(3456 + 48 + 100 + 120 + 384 + 48 - mbv2Block2Layer0 - layer1);
  });

  it('depthwise separable blocks have no expansion; identity adds only where the shape is kept', () => {
    const names = lowerMnasnet(mbv2).ops.map((o) => o.name);
    expect(names.filter((n) => n.startsWith('block1.'))).toEqual(['block1.layer0.dconv_k3.dw3x3', 'block1.layer0.dconv_k3.pw_project']);
    // Residual adds: 1 + 2 + 3 + 2 + 2 layers keep their shape in blocks 2..6; none in blocks 1 and 7.
    expect(names.filter((n) => n.endsWith('.residual'))).toHaveLength(1 + 2 + 3 + 2 + 2);
  });

  it('depthwise convolutions are marked for the roofline, and only they: one per layer of MobileNetV2, none in NAS-Bench-201', () => {
    const dw = (ops: readonly Op[]) => ops.filter((o) => o.depthwise).map((o) => o.name);
    // MobileNetV2: 1 + 2 + 3 + 4 + 3 + 3 + 1 layers, each with one 3×3 depthwise convolution.
    expect(dw(lowerMnasnet(mbv2).ops)).toEqual(lowerMnasnet(mbv2).ops.filter((o) => /\.dw3x3$/.test(o.name)).map((o) => o.name));
    expect(dw(lowerMnasnet(mbv2).ops)).toHaveLength(17);
    // A depthwise layer's cost is still 2·k²·C FLOPs per output pixel: block1 is 3×3 over 32 channels at 112².
    expect(lowerMnasnet(mbv2).ops.find((o) => o.depthwise)!.base.flops).toBe(2 * 9 * 32 * 112 * 112);
    expect(dw(lowerMnasnet(a1).ops).filter((n) => n.endsWith('dw5x5'))).toHaveLength(3 + 3);
    expect(dw(lowerNb201({ family: 'nb201', edges: Array(6).fill('nor_conv_3x3') }).ops)).toEqual([]);
    // FBNet: the 2-group 1×1 convolutions are grouped, not depthwise.
    const fb = lowerFbnet({ family: 'fbnet', blocks: Array(22).fill('k5_e1_g2') }).ops;
    expect(dw(fb)).toHaveLength(22);
    expect(dw(fb).every((n) => n.endsWith('.dw5x5'))).toBe(true);
  });

  it('units: stem, every layer, the head conv, the pool and the classifier, with the tensor each hands on', () => {
    const lowered = lowerMnasnet(mbv2);
    expect(lowered.inputBytes).toBe(3 * 224 * 224 * 4);
    expect(lowered.units.map((u) => u.name).slice(0, 3)).toEqual(['stem', 'block1.layer0', 'block2.layer0']);
    expect(lowered.units).toHaveLength(1 + 17 + 3);
    expect(lowered.units[0].outputBytes).toBe(32 * 112 * 112 * 4);
    expect(lowered.units[1].outputBytes).toBe(16 * 112 * 112 * 4);
    expect(lowered.units.at(-3)!.outputBytes).toBe(1280 * 7 * 7 * 4);
    expect(lowered.units.at(-1)!.outputBytes).toBe(1000 * 4);
    expect(lowered.units.at(-1)!.endOp).toBe(lowered.ops.length);
    const ends = lowered.units.map((u) => u.endOp);
    expect(ends.every((e, i) => i === 0 || e > ends[i - 1])).toBe(true);
  });

  it('rejects a network with the wrong number of blocks or an empty block', () => {
    expect(() => lowerMnasnet({ family: 'mnasnet', blocks: mbv2.blocks.slice(0, 6) })).toThrow(/expected 7 blocks/);
    const empty: MnasnetArchitecture = { family: 'mnasnet', blocks: mbv2.blocks.map((b, i) => (i === 2 ? { ...b, layers: 0 } : b)) };
    expect(() => lowerMnasnet(empty)).toThrow(/block 3: expected at least 1 layer/);
  });
});

describe('units of the benchmark networks', () => {
  it('NAS-Bench-201: stem, 15 cells, 2 reduction blocks, pool and classifier; FBNet: stem, 22 layers and the head', () => {
    const nb = lowerNb201({ family: 'nb201', edges: Array(6).fill('nor_conv_3x3') });
    expect(nb.units).toHaveLength(1 + 15 + 2 + 2);
    expect(nb.units[1]).toMatchObject({ name: 'stage0.cell0', outputBytes: 16 * 32 * 32 * 4 });
    expect(nb.inputBytes).toBe(3 * 32 * 32 * 4);
    const fb = lowerFbnet({ family: 'fbnet', blocks: Array(22).fill('k3_e1') });
    expect(fb.units).toHaveLength(1 + 22 + 3);
    expect(fb.units.at(-1)!.endOp).toBe(fb.ops.length);
  });
});
