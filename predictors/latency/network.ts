/**
 * HELP's predictor network (Lee et al., NeurIPS 2021) as a pure function of its parameters, so that meta-learning can run the
 * same forward pass with adapted parameters: an architecture encoder, a hardware branch on the hardware embedding
 * (hardware-embedding.ts: 10 normalised reference latencies + 10 mask bits → 100 → 100), concatenated, then
 * 200 → 200 → 1 with ReLU (HELP's fc3, fc4, fc5), plus an optional linear skip from the features to the output.
 * Encoders: 'mlp' (in → 100 → 100 on the first `archInputSize` feature columns; HELP's encoder for FBNet) or 'gcn'
 * (HELP's four graph convolutions of the NAS-Bench-201 cell, gcn.ts).
 */
import type { Rng } from '../../core/rng.js';
import { tf } from '../../hardware/tf-backend.js';
import { cellAdjacency, graphConvolution, NODE_FEATURES, nodeFeaturesFromOneHot } from './gcn.js';
import { HW_EMBEDDING_SIZE } from './hardware-embedding.js';

export type EncoderKind = 'mlp' | 'gcn';
export const ENCODER_KINDS: readonly EncoderKind[] = ['mlp', 'gcn'];

export interface NetworkShape {
  /** Width of an encoded row (encode.ts). */
  readonly inputSize: number;
  readonly encoder: EncoderKind;
  /** Columns the MLP encoder reads, from the first (the one-hot comes first); the GCN reads the one-hot itself. */
  readonly archInputSize: number;
  readonly archHidden: number;
  readonly hwHidden: number;
  readonly headHidden: number;
  /** A linear path from all features to the output (ours; HELP has none). */
  readonly skip: boolean;
}

const GCN_LAYERS = 4;

export function helpShape(inputSize: number, opts: { encoder?: EncoderKind; archInputSize?: number; skip?: boolean } = {}): NetworkShape {
  return { inputSize, encoder: opts.encoder ?? 'mlp', archInputSize: opts.archInputSize ?? inputSize, archHidden: 100, hwHidden: 100, headHidden: 200, skip: opts.skip ?? true };
}

export interface ParamSpec {
  readonly name: string;
  readonly shape: readonly number[];
}

export function paramSpecs(s: NetworkShape): ParamSpec[] {
  const dense = (name: string, i: number, o: number): ParamSpec[] => [
    { name: `${name}/kernel`, shape: [i, o] },
    { name: `${name}/bias`, shape: [o] },
  ];
  const encoder =
    s.encoder === 'gcn'
      ? Array.from({ length: GCN_LAYERS }, (_, l) => dense(`gc${l + 1}`, l === 0 ? NODE_FEATURES : s.archHidden, s.archHidden)).flat()
      : [...dense('arch1', s.archInputSize, s.archHidden), ...dense('arch2', s.archHidden, s.archHidden)];
  return [
    ...encoder,
    ...dense('hw1', HW_EMBEDDING_SIZE, s.hwHidden),
    ...dense('hw2', s.hwHidden, s.hwHidden),
    ...dense('head1', s.archHidden + s.hwHidden, s.headHidden),
    ...dense('head2', s.headHidden, s.headHidden),
    ...dense('out', s.headHidden, 1),
    // Latency is close to linear in the lookup-table and count features, and adaptation from a few samples moves a
    // linear term more easily than a deep one.
    ...(s.skip ? [{ name: 'skip/kernel', shape: [s.inputSize, 1] }] : []),
  ];
}

/**
 * Glorot-uniform kernels and zero biases from the seeded generator (tf.random is not seeded by our Rng); graph
 * convolutions as HELP initialises them (net.py: weights U(−0.05, 0.05), biases U(−1/√out, 1/√out)).
 */
export function initParams(s: NetworkShape, rng: Rng): Float32Array[] {
  return paramSpecs(s).map((p) => {
    const size = p.shape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(size);
    const uniform = (limit: number) => {
      for (let i = 0; i < size; i++) out[i] = (2 * rng.next() - 1) * limit;
    };
    if (p.name.startsWith('gc')) uniform(p.shape.length === 2 ? 0.05 : 1 / Math.sqrt(p.shape[0]));
    // The output layer and the skip start at zero, so the untrained network adds nothing to the ridge head and
    // meta-validation can keep "no correction" when training does not help.
    else if (p.shape.length === 2 && !p.name.startsWith('skip/') && !p.name.startsWith('out/')) uniform(Math.sqrt(6 / (p.shape[0] + p.shape[1])));
    return out;
  });
}

export function toTensors(specs: readonly ParamSpec[], values: readonly Float32Array[]): tf.Tensor[] {
  return specs.map((p, i) => tf.tensor(values[i], p.shape as number[], 'float32'));
}

let adjacency: tf.Tensor2D | undefined;
function cellAdjacencyTensor(): tf.Tensor2D {
  adjacency ??= tf.keep(tf.tensor2d(cellAdjacency()));
  return adjacency;
}

/**
 * Predicted normalised latency for each row of `x` ([n, inputSize]) on the device with hardware embedding `hw`
 * ([1, HW_EMBEDDING_SIZE]). Returns shape [n].
 */
export function forward(shape: NetworkShape, params: readonly tf.Tensor[], x: tf.Tensor2D, hw: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    let k = 0;
    const dense = (input: tf.Tensor2D, relu: boolean): tf.Tensor2D => {
      const y = tf.add(tf.matMul(input, params[k] as tf.Tensor2D), params[k + 1]) as tf.Tensor2D;
      k += 2;
      return relu ? tf.relu(y) : y;
    };
    let a: tf.Tensor2D;
    if (shape.encoder === 'gcn') {
      let h = nodeFeaturesFromOneHot(x);
      for (let l = 0; l < GCN_LAYERS; l++) {
        h = tf.relu(graphConvolution(h, cellAdjacencyTensor(), params[k] as tf.Tensor2D, params[k + 1] as tf.Tensor1D));
        k += 2;
      }
      // Readout: the global node (last).
      a = tf.reshape(tf.slice(h, [0, h.shape[1] - 1, 0], [-1, 1, -1]), [x.shape[0], shape.archHidden]);
    } else {
      const input = shape.archInputSize === shape.inputSize ? x : tf.slice(x, [0, 0], [-1, shape.archInputSize]);
      a = dense(dense(input, true), true);
    }
    const h = dense(dense(hw, true), true);
    const z = tf.concat([a, tf.tile(h, [x.shape[0], 1]) as tf.Tensor2D], 1) as tf.Tensor2D;
    let out: tf.Tensor2D = dense(dense(dense(z, true), true), false);
    if (shape.skip) out = tf.add(out, tf.matMul(x, params[k] as tf.Tensor2D));
    return tf.reshape(out, [x.shape[0]]) as tf.Tensor1D;
  });
}

export function mseLoss(shape: NetworkShape, params: readonly tf.Tensor[], x: tf.Tensor2D, hw: tf.Tensor2D, y: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.square(tf.sub(forward(shape, params, x, hw), y))) as tf.Scalar);
}

/** Gradient of the MSE with respect to every parameter (same order). */
export function lossGrads(shape: NetworkShape, params: readonly tf.Tensor[], x: tf.Tensor2D, hw: tf.Tensor2D, y: tf.Tensor1D): tf.Tensor[] {
  return tf.grads((...p: tf.Tensor[]) => mseLoss(shape, p, x, hw, y))(params as tf.Tensor[]);
}
