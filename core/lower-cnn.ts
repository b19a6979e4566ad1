import type { CnnArchitecture, FbnetArchitecture, FbnetBlock, MnasnetArchitecture, MnasnetBlock, Nb201Architecture } from './architecture.js';
import type { Op, OpCost, OpKind } from './ops.js';
import { BYTES_PER_ELEMENT, type Precision } from './precision.js';

/**
 * Lowering of the CNN networks (NAS-Bench-201, FBNet, MnasNet) into forward-pass operators.
 *
 * Conventions (the same as NAS-Bench-201's counter, so its published numbers can be checked):
 * - FLOPs = 2 × multiply-accumulates of convolutions and linear layers; pooling counts one FLOP per input
 *   element read per output; residual and node sums one FLOP per element.
 * - BatchNorm and ReLU are fused into the neighbouring convolution at inference: no FLOPs of their own, the folded
 *   BN adds a bias of C_out to the convolution's weights in memory. `params` counts trainable parameters as the
 *   training framework does (conv weights, BN scale and shift, linear weights and bias).
 * - Bytes per op = weights + activations read + activations written, at the given precision (fp32 default).
 */
export interface CnnWorkload {
  readonly batch: number;
  readonly precision: Precision;
}

export const DEFAULT_CNN_WORKLOAD: CnnWorkload = { batch: 1, precision: 'fp32' };

/**
 * A stretch of the network after which exactly one activation tensor is live: the places a network can be cut
 * (split across devices) by sending one tensor. Units are consecutive: unit i holds ops[units[i-1].endOp, endOp).
 */
export interface CnnUnit {
  readonly name: string;
  /** Index one past the unit's last op. */
  readonly endOp: number;
  /** The activation the unit hands on (bytes, whole batch). */
  readonly outputBytes: number;
}

export interface LoweredCnn {
  readonly ops: Op[];
  /** Trainable parameters. */
  readonly params: number;
  /** The input images (bytes, whole batch). */
  readonly inputBytes: number;
  /** The network as a chain of units; the last one ends with the logits. */
  readonly units: CnnUnit[];
}

interface Builder {
  ops: Op[];
  params: number;
  units: CnnUnit[];
  readonly batch: number;
  readonly bytesPerElement: number;
}

function newBuilder(w: CnnWorkload): Builder {
  return { ops: [], params: 0, units: [], batch: w.batch, bytesPerElement: BYTES_PER_ELEMENT[w.precision] };
}

/** Closes a unit at the current op: its output is one tensor of `elements` per image. */
function unit(b: Builder, name: string, elements: number): void {
  b.units.push({ name, endOp: b.ops.length, outputBytes: b.batch * elements * b.bytesPerElement });
}

function lowered(b: Builder, inputSide: number): LoweredCnn {
  return { ops: b.ops, params: b.params, inputBytes: b.batch * 3 * inputSide * inputSide * b.bytesPerElement, units: b.units };
}

function push(b: Builder, name: string, kind: OpKind, cost: Omit<OpCost, 'kvBytesRead' | 'kvBytesWritten'>, depthwise = false): void {
  // Field by field: V8 (Node 20) builds `{ ...cost, kvBytesRead: 0 }` some 40× slower, and it was most of a lowering.
  const base: OpCost = { flops: cost.flops, weightBytes: cost.weightBytes, activationBytesRead: cost.activationBytesRead, activationBytesWritten: cost.activationBytesWritten, kvBytesRead: 0, kvBytesWritten: 0 };
  b.ops.push(depthwise ? { name, kind, phase: 'forward', count: 1, base, depthwise } : { name, kind, phase: 'forward', count: 1, base });
}

/** A convolution with folded BN (if `bn`) on an H×W input; returns the output side. One group per channel: depthwise. */
function conv(
  b: Builder,
  name: string,
  o: { cin: number; cout: number; k: number; stride: number; hw: number; groups?: number; bn?: boolean; bias?: boolean },
): number {
  const groups = o.groups ?? 1;
  const pad = Math.floor(o.k / 2);
  const out = Math.floor((o.hw + 2 * pad - o.k) / o.stride) + 1;
  const weights = (o.cin / groups) * o.cout * o.k * o.k;
  const macs = b.batch * out * out * weights;
  const bn = o.bn ?? true;
  b.params += weights + (bn ? 2 * o.cout : 0) + (o.bias ? o.cout : 0);
  const biasElems = bn || o.bias ? o.cout : 0;
  push(b, name, 'conv', {
    flops: 2 * macs,
    weightBytes: (weights + biasElems) * b.bytesPerElement,
    activationBytesRead: b.batch * o.cin * o.hw * o.hw * b.bytesPerElement,
    activationBytesWritten: b.batch * o.cout * out * out * b.bytesPerElement,
  }, groups > 1 && groups === o.cin && o.cout === o.cin);
  return out;
}

function elementwise(b: Builder, name: string, elements: number, inputs: number, flopsPerElement: number): void {
  push(b, name, 'elementwise', {
    flops: flopsPerElement * elements * b.batch,
    weightBytes: 0,
    activationBytesRead: inputs * elements * b.batch * b.bytesPerElement,
    activationBytesWritten: elements * b.batch * b.bytesPerElement,
  });
}

/** k×k average pooling with padding k/2 (or none when pad = 0); one FLOP per window element. */
function avgPool(b: Builder, name: string, c: number, hw: number, k: number, stride: number, pad: number): number {
  const out = Math.floor((hw + 2 * pad - k) / stride) + 1;
  push(b, name, 'pool', {
    flops: b.batch * c * out * out * k * k,
    weightBytes: 0,
    activationBytesRead: b.batch * c * hw * hw * b.bytesPerElement,
    activationBytesWritten: b.batch * c * out * out * b.bytesPerElement,
  });
  return out;
}

function globalPool(b: Builder, name: string, c: number, hw: number): void {
  push(b, name, 'pool', {
    flops: b.batch * c * hw * hw,
    weightBytes: 0,
    activationBytesRead: b.batch * c * hw * hw * b.bytesPerElement,
    activationBytesWritten: b.batch * c * b.bytesPerElement,
  });
}

function linear(b: Builder, name: string, inF: number, outF: number): void {
  b.params += inF * outF + outF;
  push(b, name, 'matmul', {
    flops: 2 * b.batch * inF * outF,
    weightBytes: (inF * outF + outF) * b.bytesPerElement,
    activationBytesRead: b.batch * inF * b.bytesPerElement,
    activationBytesWritten: b.batch * outF * b.bytesPerElement,
  });
}

/** NAS-Bench-201's CIFAR network: the published configuration (C = 16, N = 5 cells per stage, 10 classes). */
export const NB201_NETWORK = { inputSide: 32, stemChannels: 16, cellsPerStage: 5, stageChannels: [16, 32, 64], classes: 10 } as const;

/**
 * NAS-Bench-201 (Dong & Yang 2020): stem conv3×3 → 5 cells → residual reduction → 5 cells → reduction → 5 cells →
 * BN-ReLU → global pool → linear. In a cell, node j sums its edges from earlier nodes; 'none' edges are dropped,
 * conv edges are ReLU-Conv-BN, avg_pool_3x3 is stride-1 padded pooling, skip is free.
 */
export function lowerNb201(arch: Nb201Architecture, workload: CnnWorkload = DEFAULT_CNN_WORKLOAD): LoweredCnn {
  if (arch.edges.length !== 6) throw new Error(`nb201: expected 6 edges, got ${arch.edges.length}`);
  const n = NB201_NETWORK;
  const b = newBuilder(workload);
  let hw = conv(b, 'stem.conv3x3', { cin: 3, cout: n.stemChannels, k: 3, stride: 1, hw: n.inputSide });
  let c: number = n.stemChannels;
  unit(b, 'stem', c * hw * hw);
  const edgeFrom = [0, 0, 1, 0, 1, 2];
  const edgeTo = [1, 2, 2, 3, 3, 3];
  n.stageChannels.forEach((channels, stage) => {
    if (stage > 0) {
      // ResNetBasicblock: ReLU-Conv3x3(stride 2)-BN, ReLU-Conv3x3-BN, shortcut AvgPool2×2 + Conv1×1, add.
      const p = `reduce${stage}`;
      const out = conv(b, `${p}.conv_a`, { cin: c, cout: channels, k: 3, stride: 2, hw });
      conv(b, `${p}.conv_b`, { cin: channels, cout: channels, k: 3, stride: 1, hw: out });
      const pooled = avgPool(b, `${p}.shortcut.pool`, c, hw, 2, 2, 0);
      conv(b, `${p}.shortcut.conv1x1`, { cin: c, cout: channels, k: 1, stride: 1, hw: pooled, bn: false });
      elementwise(b, `${p}.add`, channels * out * out, 2, 1);
      hw = out;
      c = channels;
      unit(b, p, c * hw * hw);
    }
    for (let cell = 0; cell < n.cellsPerStage; cell++) {
      const p = `stage${stage}.cell${cell}`;
      const inputsPerNode = [0, 0, 0, 0];
      arch.edges.forEach((op, e) => {
        const name = `${p}.edge${edgeTo[e]}_${edgeFrom[e]}.${op}`;
        if (op === 'none') return;
        inputsPerNode[edgeTo[e]]++;
        if (op === 'nor_conv_3x3') conv(b, name, { cin: c, cout: c, k: 3, stride: 1, hw });
        else if (op === 'nor_conv_1x1') conv(b, name, { cin: c, cout: c, k: 1, stride: 1, hw });
        else if (op === 'avg_pool_3x3') avgPool(b, name, c, hw, 3, 1, 1);
      });
      for (let node = 1; node <= 3; node++) {
        const m = inputsPerNode[node];
        if (m > 1) elementwise(b, `${p}.node${node}.sum`, c * hw * hw, m, m - 1);
      }
      unit(b, p, c * hw * hw);
    }
  });
  b.params += 2 * c; // final BN before ReLU and pooling
  globalPool(b, 'head.global_pool', c, hw);
  unit(b, 'head.global_pool', c);
  linear(b, 'head.classifier', c, n.classes);
  unit(b, 'head.classifier', n.classes);
  return lowered(b, n.inputSide);
}

/** FBNet (Wu et al. 2019), ImageNet network: stages, channels and strides of the paper's search space. */
export const FBNET_NETWORK = {
  inputSide: 224,
  stemChannels: 16,
  stemStride: 2,
  stageLayers: [1, 4, 4, 4, 4, 4, 1],
  stageChannels: [16, 24, 32, 64, 112, 184, 352],
  stageStrides: [1, 2, 2, 2, 1, 2, 1],
  headChannels: 1984,
  classes: 1000,
} as const;

export type FbnetNetwork = {
  readonly inputSide: number;
  readonly stemChannels: number;
  readonly stemStride: number;
  readonly stageLayers: readonly number[];
  readonly stageChannels: readonly number[];
  readonly stageStrides: readonly number[];
  readonly headChannels: number;
  readonly classes: number;
};

/** Kernel size, expansion and 1×1 groups of each FBNet block. */
export const FBNET_BLOCK_SHAPES: Readonly<Record<Exclude<FbnetBlock, 'skip'>, { k: number; e: number; groups: number }>> = {
  k3_e1: { k: 3, e: 1, groups: 1 },
  k3_e1_g2: { k: 3, e: 1, groups: 2 },
  k3_e3: { k: 3, e: 3, groups: 1 },
  k3_e6: { k: 3, e: 6, groups: 1 },
  k5_e1: { k: 5, e: 1, groups: 1 },
  k5_e1_g2: { k: 5, e: 1, groups: 2 },
  k5_e3: { k: 5, e: 3, groups: 1 },
  k5_e6: { k: 5, e: 6, groups: 1 },
};

/** One searchable FBNet layer: its position, block, the channels it takes and gives, and its stride. */
export interface FbnetLayer {
  readonly index: number;
  readonly block: FbnetBlock;
  readonly cin: number;
  readonly cout: number;
  readonly stride: number;
}

/** The searchable layers of `arch` in order on `network` (the walk the lowering and the tfjs builder share). */
export function fbnetLayers(arch: FbnetArchitecture, network: FbnetNetwork = FBNET_NETWORK): FbnetLayer[] {
  const total = network.stageLayers.reduce((s, x) => s + x, 0);
  if (arch.blocks.length !== total) throw new Error(`fbnet: expected ${total} layers, got ${arch.blocks.length}`);
  const layers: FbnetLayer[] = [];
  let cin: number = network.stemChannels;
  network.stageLayers.forEach((count, stage) => {
    const cout = network.stageChannels[stage];
    for (let i = 0; i < count; i++) {
      layers.push({ index: layers.length, block: arch.blocks[layers.length], cin, cout, stride: i === 0 ? network.stageStrides[stage] : 1 });
      cin = cout;
    }
  });
  return layers;
}

/**
 * FBNet: stem conv3×3 → 22 searchable layers → conv1×1 head → global pool → linear. A block is an inverted
 * residual: 1×1 (group) expansion, channel shuffle when grouped, k×k depthwise (stride of the stage's first layer),
 * 1×1 (group) projection, and a residual add when shape is kept. 'skip' is the identity, or a strided 1×1
 * conv where the shape changes (first layer of a stage).
 */
export function lowerFbnet(
  arch: FbnetArchitecture,
  workload: CnnWorkload = DEFAULT_CNN_WORKLOAD,
  network: FbnetNetwork = FBNET_NETWORK,
): LoweredCnn {
  const b = newBuilder(workload);
  const layers = fbnetLayers(arch, network);
  let hw = conv(b, 'stem.conv3x3', { cin: 3, cout: network.stemChannels, k: 3, stride: network.stemStride, hw: network.inputSide });
  unit(b, 'stem', network.stemChannels * hw * hw);
  for (const { index, block, cin: c, cout, stride } of layers) {
    const p = `layer${index}.${block}`;
    if (block === 'skip') {
      if (stride !== 1 || c !== cout) hw = conv(b, `${p}.conv1x1`, { cin: c, cout, k: 1, stride, hw });
    } else {
      const { k, e, groups } = FBNET_BLOCK_SHAPES[block];
      const mid = c * e;
      conv(b, `${p}.pw_expand`, { cin: c, cout: mid, k: 1, stride: 1, hw, groups });
      if (groups > 1) elementwise(b, `${p}.shuffle`, mid * hw * hw, 1, 0);
      const out = conv(b, `${p}.dw${k}x${k}`, { cin: mid, cout: mid, k, stride, hw, groups: mid });
      conv(b, `${p}.pw_project`, { cin: mid, cout, k: 1, stride: 1, hw: out, groups });
      if (stride === 1 && c === cout) elementwise(b, `${p}.residual`, cout * out * out, 2, 1);
      hw = out;
    }
    unit(b, `layer${index}`, cout * hw * hw);
  }
  head(b, layers[layers.length - 1].cout, hw, network);
  return lowered(b, network.inputSide);
}

/** conv1×1 to the head width (BN, ReLU) → global pool → linear classifier (FBNet and MnasNet). */
function head(b: Builder, c: number, hw: number, network: { headChannels: number; classes: number }): void {
  hw = conv(b, 'head.conv1x1', { cin: c, cout: network.headChannels, k: 1, stride: 1, hw });
  unit(b, 'head.conv1x1', network.headChannels * hw * hw);
  globalPool(b, 'head.global_pool', network.headChannels, hw);
  unit(b, 'head.global_pool', network.headChannels);
  linear(b, 'head.classifier', network.headChannels, network.classes);
  unit(b, 'head.classifier', network.classes);
}

/**
 * MnasNet's network (Tan et al. 2019): a stride-2 conv3×3 stem, 7 searchable blocks, a conv1×1 head, global pool
 * and a 1000-way classifier at 224×224. The blocks keep MobileNetV2's strides (Sandler et al. 2018, Table 2), whose
 * filters and layer counts are the space's baseline (core/spaces/mnasnet.ts).
 */
export const MNASNET_NETWORK = {
  inputSide: 224,
  stemChannels: 32,
  stemStride: 2,
  blockStrides: [1, 2, 2, 2, 1, 2, 1],
  headChannels: 1280,
  classes: 1000,
} as const;

/** One layer of a MnasNet network: its block's choices, the channels it takes and gives, and its stride. */
export interface MnasnetLayer {
  readonly block: number;
  readonly index: number;
  readonly spec: MnasnetBlock;
  readonly cin: number;
  readonly cout: number;
  readonly stride: number;
  /** The shortcut: none, an identity add, or a pooled (and projected) one. */
  readonly shortcut: 'none' | 'identity' | 'projected';
}

/** Squeeze-and-excitation bottleneck width: the layer's input channels × ratio, at least 1 (MnasNet's code). */
export function seChannels(cin: number, ratio: number): number {
  return Math.max(1, Math.floor(cin * ratio));
}

/**
 * The layers of `arch` in order (the walk the lowering and the tfjs builder share). Skip: 'identity' adds the input
 * where the layer keeps the shape (stride 1, same channels), as MnasNet's code does; 'pool' also crosses a layer
 * that changes the shape, through average pooling (stride × stride) and a 1×1 projection (with BN) to the output
 * channels — the paper names the option without defining it, and this is the reduction shortcut of
 * NAS-Bench-201's ResNet block; on a layer that keeps the shape it is the identity.
 */
export function mnasnetLayers(arch: MnasnetArchitecture): MnasnetLayer[] {
  const n = MNASNET_NETWORK;
  if (arch.blocks.length !== n.blockStrides.length) throw new Error(`mnasnet: expected ${n.blockStrides.length} blocks, got ${arch.blocks.length}`);
  const layers: MnasnetLayer[] = [];
  let cin: number = n.stemChannels;
  arch.blocks.forEach((spec, block) => {
    if (!Number.isInteger(spec.layers) || spec.layers < 1) throw new Error(`mnasnet: block ${block + 1}: expected at least 1 layer, got ${spec.layers}`);
    for (let index = 0; index < spec.layers; index++) {
      const stride = index === 0 ? n.blockStrides[block] : 1;
      const keepsShape = stride === 1 && cin === spec.filters;
      const shortcut = spec.skip === 'none' ? 'none' : keepsShape ? 'identity' : spec.skip === 'pool' ? 'projected' : 'none';
      layers.push({ block, index, spec, cin, cout: spec.filters, stride, shortcut });
      cin = spec.filters;
    }
  });
  return layers;
}

/** Squeeze-and-excitation on a C×hw² tensor: pool, 1×1 reduce (bias, ReLU), 1×1 expand (bias, sigmoid), scale. */
function squeezeExcite(b: Builder, p: string, c: number, reduced: number, hw: number): void {
  globalPool(b, `${p}.se.pool`, c, hw);
  conv(b, `${p}.se.reduce`, { cin: c, cout: reduced, k: 1, stride: 1, hw: 1, bn: false, bias: true });
  conv(b, `${p}.se.expand`, { cin: reduced, cout: c, k: 1, stride: 1, hw: 1, bn: false, bias: true });
  push(b, `${p}.se.scale`, 'elementwise', {
    flops: b.batch * c * hw * hw,
    weightBytes: 0,
    activationBytesRead: b.batch * (c * hw * hw + c) * b.bytesPerElement,
    activationBytesWritten: b.batch * c * hw * hw * b.bytesPerElement,
  });
}

/**
 * A MnasNet network. Per layer, with BN folded and ReLU fused after every convolution but the last of a layer:
 * - conv: k×k convolution (stride), then SE on its output;
 * - dconv: k×k depthwise (stride), SE, 1×1 projection (linear);
 * - mbconv3/6: 1×1 expansion to 3 or 6 × the input channels, k×k depthwise (stride), SE, 1×1 projection (linear);
 * then the shortcut (mnasnetLayers) and the residual add. SE squeezes to seChannels(cin, ratio).
 */
export function lowerMnasnet(arch: MnasnetArchitecture, workload: CnnWorkload = DEFAULT_CNN_WORKLOAD): LoweredCnn {
  const n = MNASNET_NETWORK;
  const b = newBuilder(workload);
  const layers = mnasnetLayers(arch);
  let hw = conv(b, 'stem.conv3x3', { cin: 3, cout: n.stemChannels, k: 3, stride: n.stemStride, hw: n.inputSide });
  unit(b, 'stem', n.stemChannels * hw * hw);
  for (const { block, index, spec, cin, cout, stride, shortcut } of layers) {
    const p = `block${block + 1}.layer${index}.${spec.convOp}_k${spec.kernel}`;
    const k = spec.kernel;
    const se = spec.seRatio > 0 ? seChannels(cin, spec.seRatio) : 0;
    let out: number;
    if (spec.convOp === 'conv') {
      out = conv(b, `${p}.conv${k}x${k}`, { cin, cout, k, stride, hw });
      if (se) squeezeExcite(b, p, cout, se, out);
    } else {
      const mid = spec.convOp === 'dconv' ? cin : cin * (spec.convOp === 'mbconv3' ? 3 : 6);
      if (mid !== cin) conv(b, `${p}.pw_expand`, { cin, cout: mid, k: 1, stride: 1, hw });
      out = conv(b, `${p}.dw${k}x${k}`, { cin: mid, cout: mid, k, stride, hw, groups: mid });
      if (se) squeezeExcite(b, p, mid, se, out);
      conv(b, `${p}.pw_project`, { cin: mid, cout, k: 1, stride: 1, hw: out });
    }
    if (shortcut === 'projected') {
      const pooled = stride > 1 ? avgPool(b, `${p}.shortcut.pool`, cin, hw, stride, stride, 0) : hw;
      if (cin !== cout) conv(b, `${p}.shortcut.conv1x1`, { cin, cout, k: 1, stride: 1, hw: pooled });
    }
    if (shortcut !== 'none') elementwise(b, `${p}.residual`, cout * out * out, 2, 1);
    hw = out;
    unit(b, `block${block + 1}.layer${index}`, cout * hw * hw);
  }
  head(b, layers[layers.length - 1].cout, hw, n);
  return lowered(b, n.inputSide);
}

/** Any CNN architecture's forward pass. */
export function lowerCnn(arch: CnnArchitecture, workload: CnnWorkload = DEFAULT_CNN_WORKLOAD): LoweredCnn {
  if (arch.family === 'nb201') return lowerNb201(arch, workload);
  if (arch.family === 'fbnet') return lowerFbnet(arch, workload);
  return lowerMnasnet(arch, workload);
}

/**
 * Multiply-accumulates of the convolutions and linear layers: what MobileNetV2's and MnasNet's papers report as
 * "multiply-adds" (BN folded away; activations, pooling, residual adds and the SE scaling not counted).
 */
export function convMacs(ops: readonly Op[]): number {
  let macs = 0;
  for (const op of ops) if (op.kind === 'conv' || op.kind === 'matmul') macs += (op.count * op.base.flops) / 2;
  return macs;
}

/** Totals over a lowered network. */
export function cnnTotals(ops: readonly Op[]): { flops: number; bytes: number; weightBytes: number } {
  let flops = 0;
  let bytes = 0;
  let weightBytes = 0;
  for (const op of ops) {
    const c = op.base;
    flops += op.count * c.flops;
    weightBytes += op.count * c.weightBytes;
    bytes += op.count * (c.weightBytes + c.activationBytesRead + c.activationBytesWritten + c.kvBytesRead + c.kvBytesWritten);
  }
  return { flops, bytes, weightBytes };
}
