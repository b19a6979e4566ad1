/**
 * HELP's predictor network (papers.md §2) as a pure function of its parameters, so that meta-learning can run
 * the same forward pass with adapted parameters: an architecture branch (in → 100 → 100), a hardware branch on the
 * 10-latency embedding (10 → 100 → 100), concatenated, then 200 → 200 → 200 → 1 with ReLU, plus a linear skip
 * from the features to the output (our addition).
 * HELP encodes NAS-Bench-201 cells with a graph convolution; here both spaces use an MLP on the one-hot plus count and
 * roofline features (encode.ts), which carries the same information for a fixed 4-node cell.
 */
import type { Rng } from '../../core/rng.js';
import { tf } from '../../hardware/tf-backend.js';

export const HW_EMBEDDING_SIZE = 10;

export interface NetworkShape {
  readonly inputSize: number;
  readonly archHidden: number;
  readonly hwHidden: number;
  readonly headHidden: number;
}

export function helpShape(inputSize: number): NetworkShape {
  return { inputSize, archHidden: 100, hwHidden: 100, headHidden: 200 };
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
  return [
    ...dense('arch1', s.inputSize, s.archHidden),
    ...dense('arch2', s.archHidden, s.archHidden),
    ...dense('hw1', HW_EMBEDDING_SIZE, s.hwHidden),
    ...dense('hw2', s.hwHidden, s.hwHidden),
    ...dense('head1', s.archHidden + s.hwHidden, s.headHidden),
    ...dense('head2', s.headHidden, s.headHidden),
    ...dense('out', s.headHidden, 1),
    // A linear path from the features to the output (zero at start): latency is close to linear in the lookup-table
    // and count features, and adaptation from 10 samples moves a linear term more easily than a deep one.
    { name: 'skip/kernel', shape: [s.inputSize, 1] },
  ];
}

/** Glorot-uniform kernels and zero biases from the seeded generator (tf.random is not seeded by our Rng). */
export function initParams(s: NetworkShape, rng: Rng): Float32Array[] {
  return paramSpecs(s).map((p) => {
    const size = p.shape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(size);
    // The output layer and the skip start at zero, so the untrained network adds nothing to the ridge head and
    // meta-validation can keep "no correction" when training does not help.
    if (p.shape.length === 2 && !p.name.startsWith('skip/') && !p.name.startsWith('out/')) {
      const limit = Math.sqrt(6 / (p.shape[0] + p.shape[1]));
      for (let i = 0; i < size; i++) out[i] = (2 * rng.next() - 1) * limit;
    }
    return out;
  });
}

export function toTensors(specs: readonly ParamSpec[], values: readonly Float32Array[]): tf.Tensor[] {
  return specs.map((p, i) => tf.tensor(values[i], p.shape as number[], 'float32'));
}

/**
 * Predicted normalised latency for each row of `x` ([n, inputSize]) on the device with hardware embedding `hw`
 * ([1, 10]). Returns shape [n].
 */
export function forward(params: readonly tf.Tensor[], x: tf.Tensor2D, hw: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const dense = (input: tf.Tensor2D, k: number, relu: boolean): tf.Tensor2D => {
      const y = tf.add(tf.matMul(input, params[k] as tf.Tensor2D), params[k + 1]) as tf.Tensor2D;
      return relu ? tf.relu(y) : y;
    };
    const a = dense(dense(x, 0, true), 2, true);
    const h = dense(dense(hw, 4, true), 6, true);
    const hTiled = tf.tile(h, [x.shape[0], 1]) as tf.Tensor2D;
    const z = tf.concat([a, hTiled], 1) as tf.Tensor2D;
    const out = tf.add(dense(dense(dense(z, 8, true), 10, true), 12, false), tf.matMul(x, params[14] as tf.Tensor2D));
    return tf.reshape(out, [x.shape[0]]) as tf.Tensor1D;
  });
}

export function mseLoss(params: readonly tf.Tensor[], x: tf.Tensor2D, hw: tf.Tensor2D, y: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.square(tf.sub(forward(params, x, hw), y))) as tf.Scalar);
}

/** Gradient of the MSE with respect to every parameter (same order). */
export function lossGrads(params: readonly tf.Tensor[], x: tf.Tensor2D, hw: tf.Tensor2D, y: tf.Tensor1D): tf.Tensor[] {
  return tf.grads((...p: tf.Tensor[]) => mseLoss(p, x, hw, y))(params as tf.Tensor[]);
}
