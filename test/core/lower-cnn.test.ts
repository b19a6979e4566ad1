import { describe, expect, it } from 'vitest';
import { FBNET_BLOCKS, type FbnetBlock, type Nb201Op } from '../../core/architecture.js';
import { cnnTotals, lowerFbnet, lowerNb201 } from '../../core/lower-cnn.js';
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
