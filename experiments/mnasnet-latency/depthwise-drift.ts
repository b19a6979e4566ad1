/**
 * How steady tfjs-wasm's depthwise kernel is on this machine, beside a matmul (the quiet check's yardstick): one
 * MnasNet layer shape (56×56×144) at 3×3 stride 1, 3×3 stride 2 and 5×5 stride 1, and a 64×256×768 matmul, timed in
 * turn, run after run, on the CPU clock (3 ops per run, one read-back) — the evidence behind the README's notes on
 * what the depthwise rate follows (taps, not bytes) and why it is noisy:
 *   nice -n 10 node --import tsx experiments/mnasnet-latency/depthwise-drift.ts [runs, default 40]
 */
import { clockMs } from '../../hardware/measure/timer.js';
import { initTf, tf } from '../../hardware/tf-backend.js';

await initTf();
const runs = Number(process.argv[2] ?? 40);
const cpu = clockMs('cpu');
const REPEAT = 3;
const side = 56;
const c = 144;
const x = tf.randomNormal([1, side, side, c]) as tf.Tensor4D;
const bias = tf.randomNormal([c]) as tf.Tensor1D;
const filters = { 3: tf.randomNormal([3, 3, c, 1]) as tf.Tensor4D, 5: tf.randomNormal([5, 5, c, 1]) as tf.Tensor4D };
const a = tf.randomNormal([64, 256]) as tf.Tensor2D;
const b = tf.randomNormal([256, 768]) as tf.Tensor2D;
const cases = [
  ...([[3, 1], [3, 2], [5, 1]] as const).map(([k, stride]) => ({
    name: `dw k${k} s${stride}`,
    flops: 2 * k * k * c * Math.ceil(side / stride) ** 2,
    run: () => tf.fused.depthwiseConv2d({ x, filter: filters[k], bias, strides: stride, pad: 'same', activation: 'relu' }),
  })),
  { name: 'matmul', flops: 2 * 64 * 256 * 768, run: () => tf.matMul(a, b) },
];
const rates: number[][] = cases.map(() => []);
for (let r = 0; r < runs; r++) {
  cases.forEach((k, i) => {
    const t0 = cpu();
    tf.tidy(() => {
      let last: tf.Tensor | undefined;
      for (let j = 0; j < REPEAT; j++) last = k.run().reshape([-1]);
      (last as tf.Tensor).slice([0], [1]).dataSync();
    });
    rates[i].push((REPEAT * k.flops) / ((cpu() - t0) / 1e3));
  });
}
const g = (v: number) => (v / 1e9).toFixed(1);
console.log(`GFLOP/s per run (${cases.map((k) => k.name).join(' | ')}):`);
for (let r = 0; r < runs; r++) console.log(`  ${rates.map((v) => g(v[r]).padStart(5)).join(' ')}`);
for (const [i, k] of cases.entries()) {
  const s = rates[i].slice().sort((p, q) => p - q);
  console.log(`${k.name.padEnd(10)} min ${g(s[0])}, median ${g(s[s.length >> 1])}, max ${g(s[s.length - 1])} GFLOP/s`);
}
