/**
 * The Meta-SGD meta-gradient of one task: the gradient, with respect to the initial parameters θ and the step sizes α,
 * of the query loss after `steps` inner steps θ' = θ − α ⊙ ∇L_support(θ) (repeated).
 * Second order differentiates through the inner steps (HELP's default, help.py: create_graph=second_order); first
 * order treats ∇L_support as a constant: θ gets ∇L_query(θ'), α gets −∇L_query(θ') ⊙ Σ∇L_support (exact for one step
 * when the Hessian terms are dropped).
 * With a correcting ridge (model.ts, ridgeHead 'correction') the query prediction is f(X_q) + P (y_s − f(X_s)), P the
 * ridge's smoother matrix (ridge.ts ridgeSmoother): the gradient flows through the ridge's closed form.
 */
import { tf } from '../../hardware/tf-backend.js';
import { innerLoop } from './model.js';
import { forward, mseLoss, type NetworkShape } from './network.js';

export interface TaskTensors {
  readonly hw: tf.Tensor2D;
  readonly xs: tf.Tensor2D;
  readonly ys: tf.Tensor1D;
  readonly xq: tf.Tensor2D;
  readonly yq: tf.Tensor1D;
  /** The correcting ridge's smoother matrix [query × support], when the network's error is corrected by a ridge. */
  readonly correction?: tf.Tensor2D;
}

/** Query loss at parameters `params` (after adaptation). */
export function queryLoss(shape: NetworkShape, params: readonly tf.Tensor[], task: TaskTensors): tf.Scalar {
  const { hw, xs, ys, xq, yq, correction } = task;
  if (!correction) return mseLoss(shape, params, xq, hw, yq);
  return tf.tidy(() => {
    const error = tf.sub(ys, forward(shape, params, xs, hw));
    const fix = tf.reshape(tf.matMul(correction, tf.reshape(error, [-1, 1])), [-1]);
    return tf.mean(tf.square(tf.sub(tf.add(forward(shape, params, xq, hw), fix), yq))) as tf.Scalar;
  });
}

export function metaGradient(shape: NetworkShape, theta: readonly tf.Tensor[], alpha: readonly tf.Tensor[], task: TaskTensors, steps: number, secondOrder: boolean): { theta: tf.Tensor[]; alpha: tf.Tensor[] } {
  return tf.tidy(() => {
    const { hw, xs, ys } = task;
    if (secondOrder) {
      const p = theta.length;
      const g = tf.grads((...v: tf.Tensor[]) => queryLoss(shape, innerLoop(shape, v.slice(0, p), v.slice(p), xs, hw, ys, steps).adapted, task))([...theta, ...alpha]);
      return { theta: g.slice(0, p), alpha: g.slice(p) };
    }
    const { adapted, gradSum } = innerLoop(shape, theta, alpha, xs, hw, ys, steps);
    const gq = tf.grads((...v: tf.Tensor[]) => queryLoss(shape, v, task))(adapted);
    return { theta: gq, alpha: gq.map((g, i) => tf.neg(tf.mul(g, gradSum[i]))) };
  });
}
