/**
 * Where a measured decoder's time goes, per TensorFlow.js kernel and input shapes (tf.profile of whole generations,
 * the fastest of 4 kept): the diagnosis behind the runtime extension of calibrated profiles (kernel counts, attention
 * and decode-matmul shape classes). Run under the heavy-work lock:
 *   flock /tmp/hwnas-heavy.lock node --import tsx experiments/local-accuracy/profile-kernels.ts LAYERS,WIDTH,E,K,KV,FFN
 */
import { createRng } from '../../core/rng.js';
import { LOCAL_WORKLOAD } from '../../core/spaces/llm-local.js';
import { gridArchitecture } from '../../core/spaces/llm-codesign.js';
import { buildLlm } from '../../hardware/measure/llm-model.js';
import { initTf, tf } from '../../hardware/tf-backend.js';
await initTf();
const rng = createRng(1);
const [L, D, E, K, KV, R] = (process.argv[2] ?? '3,512,1,1,4,2').split(',').map(Number);
const arch = gridArchitecture({ layers: L, width: D, experts: E, activeExperts: K, kvHeads: KV, ffnRatio: R, precision: { weights: 'fp32', activations: 'fp32', kvCache: 'fp32' } } as never, { namePrefix: 'local', vocabSize: 4096, headDim: 64, tiedEmbeddings: false });
const m = buildLlm(arch, LOCAL_WORKLOAD, rng);
m.generate(); m.generate();
let best: Awaited<ReturnType<typeof tf.profile>> | undefined;
let bestT = Infinity;
for (let i = 0; i < 4; i++) {
  const p = await tf.profile(() => { m.generate(); });
  const t = p.kernels.reduce((s: number, k) => s + (k.kernelTimeMs as number), 0);
  if (t < bestT) { bestT = t; best = p; }
}
const by = new Map<string, { n: number; ms: number }>();
for (const k of best!.kernels) {
  const key = `${k.name} ${k.inputShapes.map((s) => (s ? s.join('x') : '?')).join(',')}`;
  const e = by.get(key) ?? { n: 0, ms: 0 }; e.n++; e.ms += k.kernelTimeMs as number; by.set(key, e);
}
console.log('total kernel ms', bestT.toFixed(1), 'kernels', best!.kernels.length);
for (const [k, e] of [...by.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) console.log(`${e.ms.toFixed(2).padStart(8)} ms ${String(e.n).padStart(4)}x ${(1000 * e.ms / e.n).toFixed(0).padStart(6)} us  ${k}`);
