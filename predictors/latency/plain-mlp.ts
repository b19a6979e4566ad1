/**
 * The non-meta baseline: a network of the predictor's shape trained from scratch on the device's own measurements
 * (Adam on the MSE of normalised latency), with the same hardware embedding input.
 */
import { createRng } from '../../core/rng.js';
import { tf } from '../../hardware/tf-backend.js';
import { hardwareEmbedding, HW_EMBEDDING_SIZE } from './hardware-embedding.js';
import { forward, helpShape, initParams, paramSpecs, toTensors } from './network.js';
import { denormaliseLatency, deviceNormalisation, normaliseLatency } from './normalise.js';

export function trainPlainMlp(
  inputSize: number,
  x: Float32Array,
  latencyMs: ArrayLike<number>,
  referenceLatencyMs: readonly (number | null)[],
  opts: { seed: number; steps: number; lr: number },
): (xTest: Float32Array) => Float64Array {
  const shape = helpShape(inputSize);
  const specs = paramSpecs(shape);
  const norm = deviceNormalisation(latencyMs);
  const embedding = hardwareEmbedding(referenceLatencyMs, 'log');
  const vars = toTensors(specs, initParams(shape, createRng(`plain-${opts.seed}`))).map((t) => tf.variable(t));
  const n = latencyMs.length;
  const optimizer = tf.train.adam(opts.lr);
  const hw = tf.tensor2d(embedding, [1, HW_EMBEDDING_SIZE]);
  const xs = tf.tensor2d(x, [n, inputSize]);
  const ys = tf.tensor1d(Array.from(latencyMs, (v) => normaliseLatency(v, norm)));
  for (let s = 0; s < opts.steps; s++) {
    optimizer.minimize(() => tf.mean(tf.square(tf.sub(forward(shape, vars, xs, hw), ys))) as tf.Scalar, false, vars);
  }
  const finalTheta = vars.map((v) => v.dataSync().slice() as Float32Array);
  [...vars, hw, xs, ys].forEach((t) => t.dispose());
  optimizer.dispose();
  return (xTest) => {
    const zT = tf.tidy(() => forward(shape, toTensors(specs, finalTheta), tf.tensor2d(xTest, [xTest.length / inputSize, inputSize]), tf.tensor2d(embedding, [1, HW_EMBEDDING_SIZE])));
    const z = zT.dataSync();
    zT.dispose();
    return Float64Array.from(z, (v) => denormaliseLatency(v, norm));
  };
}
