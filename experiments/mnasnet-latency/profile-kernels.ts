/**
 * Where a MnasNet-space network's time goes in TensorFlow.js, per kernel (tf.profile of a forward pass, the fastest
 * of 4 kept; profiling inflates the times, the shares are what to read), beside the roofline's share per operator
 * class on a calibrated profile — the diagnosis of the calibrated roofline's error in results/mnasnet-latency.md:
 *   nice -n 10 node --import tsx experiments/mnasnet-latency/profile-kernels.ts [mobilenetv2|mnasnet-a1] [device.json]
 * The profile defaults to the one run.ts calibrated (results/device.json, with the depthwise rate); the README's
 * first diagnosis used experiments/local-accuracy/results/device.json (calibrated before there was one).
 */
import { lowerMnasnet } from '../../core/lower-cnn.js';
import { createRng } from '../../core/rng.js';
import { MNASNET_PRESETS } from '../../core/spaces/mnasnet.js';
import { loadDeviceFile } from '../../hardware/devices.js';
import { buildMnasnet } from '../../hardware/measure/cnn-model.js';
import { analyzeForward } from '../../hardware/roofline.js';
import { initTf, tf } from '../../hardware/tf-backend.js';

await initTf();
const id = process.argv[2] ?? 'mnasnet-a1';
const arch = MNASNET_PRESETS[id];
if (!arch) throw new Error(`unknown preset ${id}; valid: ${Object.keys(MNASNET_PRESETS).join(', ')}`);
const m = buildMnasnet(arch, createRng(1));
m.forward();
m.forward();
let best: { name: string; ms: number }[] = [];
let bestT = Infinity;
for (let i = 0; i < 4; i++) {
  const p = await tf.profile(() => m.forward());
  // Kernel entries only: the '__op' entries wrap the same kernels. Kernel times may arrive as promises.
  const kernels = p.kernels.filter((k) => !k.name.endsWith('__op'));
  const times = await Promise.all(kernels.map((k) => k.kernelTimeMs));
  const t = times.reduce((s: number, x) => s + Number(x), 0);
  if (t < bestT) [bestT, best] = [t, kernels.map((k, j) => ({ name: k.name, ms: Number(times[j]) }))];
}
m.dispose();
const by = new Map<string, number>();
for (const k of best) by.set(k.name, (by.get(k.name) ?? 0) + k.ms);
console.log(`${arch.name}: tfjs kernels (share of ${bestT.toFixed(1)} profiled ms)`);
for (const [k, ms] of [...by.entries()].sort((a, b) => b[1] - a[1])) console.log(`  ${(100 * ms / bestT).toFixed(1).padStart(5)}%  ${k}`);
const device = loadDeviceFile(process.argv[3] ?? 'experiments/mnasnet-latency/results/device.json');
const f = analyzeForward(lowerMnasnet(arch).ops, device, 'fp32');
const classes = new Map<string, number>();
for (const o of f.ops) {
  const tail = o.name.split('.').at(-1)!;
  const cls = o.name.includes('.se.') ? `se.${tail}` : /^dw\d/.test(tail) ? 'depthwise' : /^(pw_|conv|head|stem)/.test(tail) || o.name.startsWith('stem') || o.name === 'head.conv1x1' ? 'convolution' : tail;
  classes.set(cls, (classes.get(cls) ?? 0) + o.latencyMs);
}
console.log(`roofline on ${device.id} (share of ${f.latencyMs.toFixed(1)} ms)`);
for (const [k, ms] of [...classes.entries()].sort((a, b) => b[1] - a[1])) console.log(`  ${(100 * ms / f.latencyMs).toFixed(1).padStart(5)}%  ${k}`);
