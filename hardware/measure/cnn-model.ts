/**
 * The CNN networks (NAS-Bench-201, FBNet, MnasNet) as real TensorFlow.js graphs with random weights (NHWC, batch 1 unless told,
 * fp32), matching the operators of core/lower-cnn.ts: BatchNorm folded into the convolution's bias and ReLU fused
 * where the runtime fuses it, as at inference.
 */
import { FBNET_BLOCK_SHAPES, FBNET_NETWORK, fbnetLayers, MNASNET_NETWORK, mnasnetLayers, NB201_NETWORK, seChannels, type FbnetNetwork } from '../../core/lower-cnn.js';
import type { CnnArchitecture, FbnetArchitecture, MnasnetArchitecture, Nb201Architecture } from '../../core/architecture.js';
import type { Rng } from '../../core/rng.js';
import { tf } from '../tf-backend.js';

type T4 = tf.Tensor4D;

export interface TfCnn {
  /** One forward pass; returns when the logits are on the host. */
  forward(): void;
  readonly paramCount: number;
  dispose(): void;
}

interface Weights {
  readonly all: tf.Tensor[];
  params: number;
  conv(k: number, cin: number, cout: number): { filter: T4; bias: tf.Tensor1D };
  depthwise(k: number, c: number): { filter: T4; bias: tf.Tensor1D };
}

function weights(rng: Rng): Weights {
  const all: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => (all.push(t), t);
  const w: Weights = {
    all,
    params: 0,
    conv(k, cin, cout) {
      w.params += k * k * cin * cout + cout;
      return {
        filter: keep(tf.randomNormal([k, k, cin, cout], 0, Math.sqrt(2 / (k * k * cin)), 'float32', rng.int(2 ** 31)) as T4),
        bias: keep(tf.randomNormal([cout], 0, 0.1, 'float32', rng.int(2 ** 31)) as tf.Tensor1D),
      };
    },
    depthwise(k, c) {
      w.params += k * k * c + c;
      return {
        filter: keep(tf.randomNormal([k, k, c, 1], 0, Math.sqrt(2 / (k * k)), 'float32', rng.int(2 ** 31)) as T4),
        bias: keep(tf.randomNormal([c], 0, 0.1, 'float32', rng.int(2 ** 31)) as tf.Tensor1D),
      };
    },
  };
  return w;
}

const conv = (x: T4, p: { filter: T4; bias: tf.Tensor1D }, stride: number, relu: boolean): T4 =>
  tf.fused.conv2d({ x, filter: p.filter, bias: p.bias, strides: stride, pad: 'same', activation: relu ? 'relu' : 'linear' });

/** NAS-Bench-201's CIFAR network for one cell (lower-cnn.ts: lowerNb201). */
export function buildNb201(arch: Nb201Architecture, rng: Rng, batch = 1): TfCnn {
  if (arch.edges.length !== 6) throw new Error(`nb201: expected 6 edges, got ${arch.edges.length}`);
  const n = NB201_NETWORK;
  const w = weights(rng);
  const edgeFrom = [0, 0, 1, 0, 1, 2];
  const edgeTo = [1, 2, 2, 3, 3, 3];
  const stem = w.conv(3, 3, n.stemChannels);
  type CellW = (ReturnType<Weights['conv']> | null)[];
  const stages: { reduce?: { a: ReturnType<Weights['conv']>; b: ReturnType<Weights['conv']>; short: ReturnType<Weights['conv']> }; cells: CellW[] }[] = [];
  let c: number = n.stemChannels;
  n.stageChannels.forEach((channels, stage) => {
    const reduce = stage > 0 ? { a: w.conv(3, c, channels), b: w.conv(3, channels, channels), short: w.conv(1, c, channels) } : undefined;
    c = channels;
    const cells = Array.from({ length: n.cellsPerStage }, () => arch.edges.map((op) => (op === 'nor_conv_3x3' ? w.conv(3, c, c) : op === 'nor_conv_1x1' ? w.conv(1, c, c) : null)));
    stages.push({ ...(reduce ? { reduce } : {}), cells });
  });
  const classifier = { w: tf.randomNormal([c, n.classes], 0, 0.1, 'float32', rng.int(2 ** 31)) as tf.Tensor2D, b: tf.zeros([n.classes]) as tf.Tensor1D };
  w.all.push(classifier.w, classifier.b);
  w.params += c * n.classes + n.classes;
  const input = tf.randomNormal([batch, n.inputSide, n.inputSide, 3], 0, 1, 'float32', rng.int(2 ** 31)) as T4;
  w.all.push(input);

  return {
    paramCount: w.params,
    forward() {
      tf.tidy(() => {
        let x = conv(input, stem, 1, false);
        for (const stage of stages) {
          if (stage.reduce) {
            const r = stage.reduce;
            const a = conv(tf.relu(x), r.a, 2, true); // ReLU-Conv-BN, then the next block's ReLU fused here
            const b = conv(a, r.b, 1, false);
            const s = conv(tf.avgPool(x, 2, 2, 'valid'), r.short, 1, false);
            x = tf.add(b, s);
          }
          for (const cell of stage.cells) {
            const nodes: (T4 | null)[] = [x, null, null, null];
            const relu0: (T4 | null)[] = [null, null, null, null];
            for (let to = 1; to <= 3; to++) {
              const terms: T4[] = [];
              arch.edges.forEach((op, e) => {
                if (edgeTo[e] !== to || op === 'none') return;
                const src = nodes[edgeFrom[e]] ?? (tf.zerosLike(x) as T4);
                if (op === 'skip_connect') terms.push(src);
                else if (op === 'avg_pool_3x3') terms.push(tf.avgPool(src, 3, 1, 'same'));
                else {
                  const from = edgeFrom[e];
                  relu0[from] ??= tf.relu(src);
                  terms.push(conv(relu0[from] as T4, cell[e] as ReturnType<Weights['conv']>, 1, false));
                }
              });
              nodes[to] = terms.length === 0 ? null : terms.length === 1 ? terms[0] : (tf.addN(terms) as T4);
            }
            x = nodes[3] ?? (tf.zerosLike(x) as T4);
          }
        }
        const pooled = tf.mean(tf.relu(x), [1, 2]) as tf.Tensor2D;
        tf.add(tf.matMul(pooled, classifier.w), classifier.b).dataSync();
      });
    },
    dispose: () => w.all.forEach((t) => t.dispose()),
  };
}


/**
 * FBNet (lower-cnn.ts: lowerFbnet). tfjs has no grouped convolution: a 2-group 1×1 conv runs as two convs on the
 * channel halves, concatenated; the channel shuffle is a reshape-transpose-reshape.
 */
export function buildFbnet(arch: FbnetArchitecture, rng: Rng, batch = 1, network: FbnetNetwork = FBNET_NETWORK): TfCnn {
  const layers = fbnetLayers(arch, network);
  const w = weights(rng);
  type Conv = ReturnType<Weights['conv']>;
  type Step = (x: T4) => T4;
  const steps: Step[] = [];
  const stem = w.conv(3, 3, network.stemChannels);
  steps.push((x) => conv(x, stem, network.stemStride, true));
  const grouped = (cin: number, cout: number, groups: number): Conv[] => Array.from({ length: groups }, () => w.conv(1, cin / groups, cout / groups));
  const applyGrouped = (x: T4, parts: Conv[], relu: boolean): T4 => {
    if (parts.length === 1) return conv(x, parts[0], 1, relu);
    const xs = tf.split(x, parts.length, 3);
    return tf.concat(xs.map((xi, i) => conv(xi as T4, parts[i], 1, relu)), 3);
  };
  for (const { block, cin: c, cout, stride } of layers) {
    if (block === 'skip') {
      if (stride !== 1 || c !== cout) {
        const p = w.conv(1, c, cout);
        steps.push((x) => conv(x, p, stride, false));
      }
    } else {
      const { k, e, groups } = FBNET_BLOCK_SHAPES[block];
      const mid = c * e;
      const expand = grouped(c, mid, groups);
      const dw = w.depthwise(k, mid);
      const project = grouped(mid, cout, groups);
      const residual = stride === 1 && c === cout;
      steps.push((x) => {
        let h = applyGrouped(x, expand, true);
        if (groups > 1) {
          const [b, hh, ww] = h.shape;
          h = h.reshape([b, hh, ww, groups, mid / groups]).transpose([0, 1, 2, 4, 3]).reshape([b, hh, ww, mid]) as T4;
        }
        h = tf.fused.depthwiseConv2d({ x: h, filter: dw.filter, bias: dw.bias, strides: stride, pad: 'same', activation: 'relu' });
        h = applyGrouped(h, project, false);
        return residual ? tf.add(h, x) : h;
      });
    }
  }
  return withHead(w, steps, layers[layers.length - 1].cout, network, rng, batch);
}

/**
 * MnasNet's space (lower-cnn.ts: lowerMnasnet): per layer the block's convolution with BN folded and ReLU fused,
 * squeeze-and-excitation as pool → 1×1 (ReLU) → 1×1 → sigmoid → scale, the pooled shortcut as average pooling and a
 * 1×1 projection.
 */
export function buildMnasnet(arch: MnasnetArchitecture, rng: Rng, batch = 1): TfCnn {
  const n = MNASNET_NETWORK;
  const w = weights(rng);
  type Step = (x: T4) => T4;
  const steps: Step[] = [];
  const stem = w.conv(3, 3, n.stemChannels);
  steps.push((x) => conv(x, stem, n.stemStride, true));
  const layers = mnasnetLayers(arch);
  for (const { spec, cin, cout, stride, shortcut } of layers) {
    const k = spec.kernel;
    const mid = spec.convOp === 'conv' ? cout : spec.convOp === 'dconv' ? cin : cin * (spec.convOp === 'mbconv3' ? 3 : 6);
    const se = spec.seRatio > 0 ? { reduce: w.conv(1, mid, seChannels(cin, spec.seRatio)), expand: w.conv(1, seChannels(cin, spec.seRatio), mid) } : undefined;
    const squeeze = (h: T4): T4 => {
      if (!se) return h;
      const s = conv(tf.mean(h, [1, 2], true) as T4, se.reduce, 1, true);
      return tf.mul(h, tf.sigmoid(conv(s, se.expand, 1, false))) as T4;
    };
    let body: Step;
    if (spec.convOp === 'conv') {
      const p = w.conv(k, cin, cout);
      body = (x) => squeeze(conv(x, p, stride, true));
    } else {
      const expand = mid !== cin ? w.conv(1, cin, mid) : undefined;
      const dw = w.depthwise(k, mid);
      const project = w.conv(1, mid, cout);
      body = (x) => {
        const h = expand ? conv(x, expand, 1, true) : x;
        const d = tf.fused.depthwiseConv2d({ x: h, filter: dw.filter, bias: dw.bias, strides: stride, pad: 'same', activation: 'relu' });
        return conv(squeeze(d), project, 1, false);
      };
    }
    if (shortcut === 'none') steps.push(body);
    else if (shortcut === 'identity') steps.push((x) => tf.add(body(x), x));
    else {
      const projection = cin !== cout ? w.conv(1, cin, cout) : undefined;
      steps.push((x) => {
        const pooled = stride > 1 ? tf.avgPool(x, stride, stride, 'valid') : x;
        return tf.add(body(x), projection ? conv(pooled, projection, 1, false) : pooled);
      });
    }
  }
  return withHead(w, steps, layers[layers.length - 1].cout, n, rng, batch);
}

/**
 * The ImageNet head every MobileNet-style body ends in (1×1 conv, global pool, classifier) and a random input,
 * drawn from `rng` in that order, around the body's steps.
 */
function withHead(
  w: Weights,
  steps: readonly ((x: T4) => T4)[],
  channels: number,
  head: { readonly headChannels: number; readonly classes: number; readonly inputSide: number },
  rng: Rng,
  batch: number,
): TfCnn {
  const headConv = w.conv(1, channels, head.headChannels);
  const classifier = { w: tf.randomNormal([head.headChannels, head.classes], 0, 0.05, 'float32', rng.int(2 ** 31)) as tf.Tensor2D, b: tf.zeros([head.classes]) as tf.Tensor1D };
  w.all.push(classifier.w, classifier.b);
  w.params += head.headChannels * head.classes + head.classes;
  const input = tf.randomNormal([batch, head.inputSide, head.inputSide, 3], 0, 1, 'float32', rng.int(2 ** 31)) as T4;
  w.all.push(input);
  return {
    paramCount: w.params,
    forward() {
      tf.tidy(() => {
        let x = input;
        for (const step of steps) x = step(x);
        x = conv(x, headConv, 1, true);
        const pooled = tf.mean(x, [1, 2]) as tf.Tensor2D;
        tf.add(tf.matMul(pooled, classifier.w), classifier.b).dataSync();
      });
    },
    dispose: () => w.all.forEach((t) => t.dispose()),
  };
}

/** Any CNN architecture as a tfjs model. */
export function buildCnn(arch: CnnArchitecture, rng: Rng, batch = 1): TfCnn {
  if (arch.family === 'nb201') return buildNb201(arch, rng, batch);
  if (arch.family === 'fbnet') return buildFbnet(arch, rng, batch);
  return buildMnasnet(arch, rng, batch);
}
