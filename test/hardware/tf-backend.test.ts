import { describe, expect, it } from 'vitest';
import { describeBackend, initTf, tf } from '../../hardware/tf-backend.js';

describe('TensorFlow.js backend', () => {
  it('HWNAS_TF_BACKEND overrides the automatic choice and is reported', async () => {
    process.env.HWNAS_TF_BACKEND = 'cpu';
    const info = await initTf();
    delete process.env.HWNAS_TF_BACKEND;
    expect(info).toMatchObject({ choice: 'cpu', reason: 'env' });
    expect(tf.getBackend()).toBe('cpu');
    expect(describeBackend(info)).toMatch(/^tfjs backend: cpu .*HWNAS_TF_BACKEND/);
  });

  it('the re-registered BatchMatMul gradient matches d/dA Σ(A·B) = 1·Bᵀ and d/dB = Aᵀ·1 for every transpose flag', async () => {
    await initTf();
    const a = [[1, 2, 3], [4, 5, 6]]; // 2×3
    const b = [[1, -1], [2, 0], [0, 3]]; // 3×2
    // Row sums of B (= 1·Bᵀ per row of A) and column sums of A (= Aᵀ·1 per column of B).
    const dA = [[0, 2, 3], [0, 2, 3]];
    const dB = [[5, 5], [7, 7], [9, 9]];
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const A = ta ? tf.tensor2d(a).transpose() : tf.tensor2d(a);
      const B = tb ? tf.tensor2d(b).transpose() : tf.tensor2d(b);
      const [gA, gB] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D, ta, tb)))([A, B]);
      const expectA = ta ? tf.tensor2d(dA).transpose() : tf.tensor2d(dA);
      const expectB = tb ? tf.tensor2d(dB).transpose() : tf.tensor2d(dB);
      expect(gA.arraySync()).toEqual(expectA.arraySync());
      expect(gB.arraySync()).toEqual(expectB.arraySync());
    }
  });
});
