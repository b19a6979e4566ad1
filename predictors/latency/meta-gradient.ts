/**
 * The Meta-SGD meta-gradient of one task: the gradient, with respect to the initial parameters θ and the step sizes α,
 * of the query loss after `steps` inner steps θ' = θ − α ⊙ ∇L_support(θ) (repeated).
 * Second order differentiates through the inner steps (HELP's default, help.py: create_graph=second_order); first
 * order treats ∇L_support as a constant: θ gets ∇L_query(θ'), α gets −∇L_query(θ') ⊙ Σ∇L_support (exact for one step
 * when the Hessian terms are dropped).
 */
import { tf } from '../../hardware/tf-backend.js';
import { innerLoop } from './model.js';
import { lossGrads, mseLoss, type NetworkShape } from './network.js';

export interface TaskTensors {
  readonly hw: tf.Tensor2D;
  readonly xs: tf.Tensor2D;
  readonly ys: tf.Tensor1D;
  readonly xq: tf.Tensor2D;
  readonly yq: tf.Tensor1D;
}

export function metaGradient(shape: NetworkShape, theta: readonly tf.Tensor[], alpha: readonly tf.Tensor[], task: TaskTensors, steps: number, secondOrder: boolean): { theta: tf.Tensor[]; alpha: tf.Tensor[] } {
  return tf.tidy(() => {
    const { hw, xs, ys, xq, yq } = task;
    if (secondOrder) {
      const p = theta.length;
      const g = tf.grads((...v: tf.Tensor[]) => mseLoss(shape, innerLoop(shape, v.slice(0, p), v.slice(p), xs, hw, ys, steps).adapted, xq, hw, yq))([...theta, ...alpha]);
      return { theta: g.slice(0, p), alpha: g.slice(p) };
    }
    const { adapted, gradSum } = innerLoop(shape, theta, alpha, xs, hw, ys, steps);
    const gq = lossGrads(shape, adapted, xq, hw, yq);
    return { theta: gq, alpha: gq.map((g, i) => tf.neg(tf.mul(g, gradSum[i]))) };
  });
}
