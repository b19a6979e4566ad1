/**
 * A real TensorFlow.js decoder stack with random weights, run as a generation would: a prefill over the prompt
 * that fills a KV cache, then one decode step per generated token (greedy: the argmax is read back each step, as a
 * sampler must). Batch 1, fp32 (what tfjs runs).
 *
 * Layout choices that keep tfjs on its fast paths: activations are [tokens, width]; keys are cached transposed
 * ([kvHeads, headDim, positions]) so that scores are a plain batched matmul (tfjs-wasm's transposed matmul is
 * 13–22× slower, packages.md); grouped-query attention folds the query heads of a group into the rows of that
 * group's matmul, so no key is repeated. RoPE is the rotate-half form (x·cos + [−x₂, x₁]·sin per head, as
 * GPT-NeoX/Llama run it) with random tables; each position's cos/sin rows are cut from the tables once at build time,
 * so a step does not slice them. (An earlier form, x·cos + reverse(x)·sin, hit tfjs-wasm's generic Reverse kernel,
 * ~50 ns per element, and cost several times what a rotation costs.) Tied embeddings are run with a separate head matrix (the same bytes are read).
 * MoE routes at batch 1 as runtimes do on a CPU: router logits, softmax and top-k on the device, the chosen expert
 * ids read back to the host, then each chosen expert runs on its tokens and the results are scattered back. With
 * random weights every token's hidden state shares one dominant direction and all tokens would pick the same
 * experts; a trained MoE is load-balanced (auxiliary loss, or DeepSeek-V3's per-expert routing bias). So a fixed
 * random routing bias per position (large beside the probabilities) is added before the top-k: each token picks
 * its experts as if uniformly, which is what the lowering assumes (expected experts touched E·(1 − (1 − K/E)^n)).
 */
import type { DecoderLayer, LlmArchitecture } from '../../core/architecture.js';
import type { Rng } from '../../core/rng.js';
import type { Workload } from '../../core/workload.js';
import { tf } from '../tf-backend.js';

type T2 = tf.Tensor2D;
type T3 = tf.Tensor3D;

interface MlpWeights {
  readonly up: T2; // [d, (gated ? 2 : 1) · I]
  readonly down: T2; // [I, d]
  readonly intermediate: number;
}

interface LayerWeights {
  readonly mixerNorm?: tf.Tensor1D;
  readonly qkv?: T2;
  readonly qkvBias?: tf.Tensor1D;
  readonly qNorm?: tf.Tensor1D;
  readonly kNorm?: tf.Tensor1D;
  readonly o?: T2;
  readonly window?: number;
  readonly mlpNorm?: tf.Tensor1D;
  readonly dense?: MlpWeights;
  readonly router?: T2;
  readonly experts?: readonly MlpWeights[];
  readonly shared?: readonly MlpWeights[];
  readonly sharedGate?: T2;
}

interface Cache {
  kT: T3; // [KV, hd, T]
  v: T3; // [KV, T, hd]
}

export interface LlmRunTiming {
  readonly prefillMs: number;
  readonly decodeMs: number;
}

export interface TfLlm {
  /** One full request: prefill + every decode step, done when the last token is on the host; timed on `clock` (ms). */
  generate(clock?: () => number): LlmRunTiming;
  /** Prefill only (time to first token). */
  prefill(): void;
  readonly paramCount: number;
  dispose(): void;
}

/** Why an architecture cannot be built here, or undefined when it can. */
export function unsupportedLlm(arch: LlmArchitecture, workload: Workload): string | undefined {
  if (workload.batch !== 1) return `batch ${workload.batch}: the measured decoder runs batch 1 only`;
  if (arch.heads % arch.kvHeads !== 0) return `heads ${arch.heads} is not a multiple of kvHeads ${arch.kvHeads}`;
  if (arch.postNorms) return 'post-norms (Gemma 2/3): not built by the measurement harness';
  for (const layer of arch.layers) {
    if (layer.mixer?.kind === 'linear') return `linear mixer '${layer.mixer.variant}': not built by the measurement harness (attention and sliding-window only)`;
  }
  return undefined;
}

/** Builds the stack with random weights drawn from `rng` (through tfjs seeds). */
export function buildLlm(arch: LlmArchitecture, workload: Workload, rng: Rng): TfLlm {
  const why = unsupportedLlm(arch, workload);
  if (why) throw new Error(`measure: ${why}`);
  const d = arch.hiddenSize;
  const H = arch.heads;
  const KV = arch.kvHeads;
  const hd = arch.headDim;
  const g = H / KV;
  const qw = H * hd;
  const kvw = KV * hd;
  const S = workload.promptTokens;
  const maxPos = S + workload.generatedTokens + 1;
  let params = 0;
  const seed = () => rng.int(2 ** 31);
  const w2 = (rows: number, cols: number): T2 => {
    params += rows * cols;
    return tf.randomNormal([rows, cols], 0, 1 / Math.sqrt(rows), 'float32', seed()) as T2;
  };
  const w1 = (n: number): tf.Tensor1D => {
    params += n;
    return tf.randomUniform([n], 0.9, 1.1, 'float32', seed()) as tf.Tensor1D;
  };
  const mlpWeights = (intermediate: number): MlpWeights => {
    const gated = arch.mlp.gated;
    return { up: w2(d, (gated ? 2 : 1) * intermediate), down: w2(intermediate, d), intermediate };
  };

  const embedding = w2(arch.vocabSize, d);
  const head = w2(d, arch.vocabSize);
  const finalNorm = w1(d);
  const ropeCosQ = tf.randomUniform([maxPos, qw], -1, 1, 'float32', seed()) as T2;
  const ropeSinQ = tf.randomUniform([maxPos, qw], -1, 1, 'float32', seed()) as T2;
  const ropeCosK = tf.randomUniform([maxPos, kvw], -1, 1, 'float32', seed()) as T2;
  const ropeSinK = tf.randomUniform([maxPos, kvw], -1, 1, 'float32', seed()) as T2;
  // Rows of the tables by (position, tokens): the prompt's block and each decode position, cut once.
  const ropeRows = new Map<string, [T2, T2, T2, T2]>();
  const rowsAt = (pos: number, n: number): [T2, T2, T2, T2] => {
    const key = `${pos}:${n}`;
    let r = ropeRows.get(key);
    if (!r) {
      const cut = (t: T2) => tf.keep(t.slice([pos, 0], [n, -1]));
      r = [cut(ropeCosQ), cut(ropeSinQ), cut(ropeCosK), cut(ropeSinK)];
      ropeRows.set(key, r);
    }
    return r;
  };
  rowsAt(0, S);
  for (let p = S; p < maxPos; p++) rowsAt(p, 1);
  // Causal mask of the prefill: 0 on and below the diagonal, −1e9 above.
  const mask = tf.tidy(() => {
    const i = tf.range(0, S).reshape([S, 1]);
    const j = tf.range(0, S).reshape([1, S]);
    return tf.mul(tf.cast(tf.greater(j, i), 'float32'), -1e9) as T2;
  });

  // Prefill masks of sliding windows shorter than the prompt, built once (a tensor made inside the run's tidy
  // would be disposed with it).
  const windowMasks = new Map<number, tf.Tensor2D>();
  for (const layer of arch.layers) {
    const m = layer.mixer;
    if (m?.kind !== 'sliding-window' || m.windowTokens >= S || windowMasks.has(m.windowTokens)) continue;
    const w = m.windowTokens;
    windowMasks.set(
      w,
      tf.tidy(() => {
        const i = tf.range(0, S).reshape([S, 1]);
        const j = tf.range(0, S).reshape([1, S]);
        return tf.mul(tf.cast(tf.logicalOr(tf.greater(j, i), tf.lessEqual(j, tf.sub(i, w))), 'float32'), -1e9) as T2;
      }),
    );
  }
  const windowMask = (w: number): T2 => windowMasks.get(w) as T2;
  // Routing bias per position (see the header), rows cut once: the prompt's block and each decode position.
  const experts = arch.mlp.kind === 'moe' ? arch.mlp.experts : 0;
  const routeBias = new Map<string, T2>();
  if (experts > 0) {
    const table = tf.randomUniform([maxPos, experts], 0, 10, 'float32', seed()) as T2;
    routeBias.set(`0:${S}`, table.slice([0, 0], [S, -1]));
    for (let p = S; p < maxPos; p++) routeBias.set(`${p}:1`, table.slice([p, 0], [1, -1]));
    table.dispose();
  }

  const layers: LayerWeights[] = arch.layers.map((layer: DecoderLayer) => {
    const lw: { -readonly [K in keyof LayerWeights]: LayerWeights[K] } = {};
    if (layer.mixer) {
      lw.mixerNorm = w1(d);
      lw.qkv = w2(d, qw + 2 * kvw);
      if (arch.qkvBias) lw.qkvBias = w1(qw + 2 * kvw);
      if (arch.qkNorm) {
        lw.qNorm = w1(hd);
        lw.kNorm = w1(hd);
      }
      lw.o = w2(qw, d);
      if (layer.mixer.kind === 'sliding-window') lw.window = layer.mixer.windowTokens;
    }
    if (layer.mlp) {
      lw.mlpNorm = w1(d);
      const m = arch.mlp;
      if (m.kind === 'dense') lw.dense = mlpWeights(m.intermediateSize);
      else {
        lw.router = w2(d, m.experts);
        lw.experts = Array.from({ length: m.experts }, () => mlpWeights(m.expertIntermediateSize));
        if (m.sharedExperts > 0) lw.shared = Array.from({ length: m.sharedExperts }, () => mlpWeights(m.sharedIntermediateSize));
        if (m.sharedExpertGate) lw.sharedGate = w2(d, 1);
      }
    }
    return lw;
  });

  const rms = (x: tf.Tensor, w: tf.Tensor1D): tf.Tensor => tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), 1e-6))), w);

  const mlp = (x: T2, m: MlpWeights): T2 => {
    const up = tf.matMul(x, m.up);
    if (!arch.mlp.gated) return tf.matMul(tf.relu(up), m.down);
    const [gate, lin] = tf.split(up, 2, 1);
    return tf.matMul(tf.mul(tf.mul(gate, tf.sigmoid(gate)), lin) as T2, m.down);
  };

  const moe = (x: T2, lw: LayerWeights, pos: number): T2 => {
    const m = arch.mlp;
    if (m.kind !== 'moe' || !lw.router || !lw.experts) throw new Error('moe weights missing');
    const n = x.shape[0];
    const probs = tf.softmax(tf.matMul(x, lw.router));
    // The bias picks the experts; the gates are the router's own probabilities of the picked experts.
    const { indices } = tf.topk(tf.add(probs, routeBias.get(`${pos}:${n}`) as T2), m.activeExperts);
    const ids = indices.dataSync(); // host-side routing, as at batch 1 on a CPU
    const p = probs.dataSync();
    const rowsOf = new Map<number, { rows: number[]; gates: number[] }>();
    for (let t = 0; t < n; t++) {
      for (let k = 0; k < m.activeExperts; k++) {
        const e = ids[t * m.activeExperts + k];
        let r = rowsOf.get(e);
        if (!r) rowsOf.set(e, (r = { rows: [], gates: [] }));
        r.rows.push(t);
        r.gates.push(p[t * m.experts + e]);
      }
    }
    let out: tf.Tensor = tf.zeros([n, d]);
    for (const [e, r] of rowsOf) {
      const xe = n === 1 ? x : (tf.gather(x, r.rows) as T2);
      const ye = tf.mul(mlp(xe, lw.experts[e]), tf.tensor2d(r.gates, [r.rows.length, 1]));
      out = tf.add(out, n === 1 ? ye : tf.scatterND(tf.tensor2d(r.rows, [r.rows.length, 1], 'int32'), ye, [n, d]));
    }
    for (const s of lw.shared ?? []) {
      const ys = mlp(x, s);
      out = tf.add(out, lw.sharedGate ? tf.mul(ys, tf.sigmoid(tf.matMul(x, lw.sharedGate))) : ys);
    }
    return out as T2;
  };

  /** One pass over `n` new tokens at positions pos..pos+n-1; updates the caches; returns the last hidden row. */
  const pass = (ids: tf.Tensor1D, pos: number, caches: (Cache | undefined)[]): tf.Tensor2D => {
    const n = ids.shape[0];
    let x = tf.gather(embedding, ids) as T2;
    layers.forEach((lw, li) => {
      if (lw.qkv && lw.mixerNorm && lw.o) {
        const h = rms(x, lw.mixerNorm) as T2;
        let qkv: tf.Tensor = tf.matMul(h, lw.qkv);
        if (lw.qkvBias) qkv = tf.add(qkv, lw.qkvBias);
        let [q, k, v] = tf.split(qkv, [qw, kvw, kvw], 1) as T2[];
        if (lw.qNorm && lw.kNorm) {
          q = rms(q.reshape([n, H, hd]), lw.qNorm).reshape([n, qw]);
          k = rms(k.reshape([n, KV, hd]), lw.kNorm).reshape([n, kvw]);
        }
        const [cq, sq, ck, sk] = rowsAt(pos, n);
        const rope = (x: T2, heads: number, cos: T2, sin: T2): T2 => {
          const [x1, x2] = tf.split(x.reshape([n * heads, hd]), 2, 1);
          const rotated = tf.concat([tf.neg(x2), x1], 1).reshape([n, heads * hd]);
          return tf.add(tf.mul(x, cos), tf.mul(rotated, sin));
        };
        q = rope(q, H, cq, sq);
        k = rope(k, KV, ck, sk);
        // [n, KV, g, hd] → [KV, g·n, hd]
        const qh = (n === 1 ? q.reshape([KV, g, hd]) : q.reshape([n, KV, g, hd]).transpose([1, 2, 0, 3]).reshape([KV, g * n, hd])) as T3;
        const kNew = (n === 1 ? k.reshape([KV, hd, 1]) : k.reshape([n, KV, hd]).transpose([1, 2, 0])) as T3;
        const vNew = (n === 1 ? v.reshape([KV, 1, hd]) : v.reshape([n, KV, hd]).transpose([1, 0, 2])) as T3;
        const old = caches[li];
        let kT = old ? tf.concat([old.kT, kNew], 2) : kNew;
        let vc = old ? tf.concat([old.v, vNew], 1) : vNew;
        let cachedK = kT;
        let cachedV = vc;
        if (lw.window !== undefined && kT.shape[2] > lw.window) {
          // A sliding window keeps the last `window` positions; the prefill still attends over the whole prompt
          // (its mask limits each query to its window), a decode step over the kept positions only.
          const drop = kT.shape[2] - lw.window;
          cachedK = kT.slice([0, 0, drop], [-1, -1, -1]);
          cachedV = vc.slice([0, drop, 0], [-1, -1, -1]);
          if (n === 1) {
            kT = cachedK;
            vc = cachedV;
          }
        }
        caches[li] = { kT: tf.keep(cachedK), v: tf.keep(cachedV) };
        const T = kT.shape[2];
        let scores: tf.Tensor = tf.mul(tf.matMul(qh, kT), 1 / Math.sqrt(hd)); // [KV, g·n, T]
        if (n > 1) scores = tf.add(scores.reshape([KV, g, n, T]), lw.window !== undefined && lw.window < n ? windowMask(lw.window) : mask).reshape([KV, g * n, T]);
        const ctx = tf.matMul(tf.softmax(scores) as T3, vc); // [KV, g·n, hd]
        const merged = (n === 1 ? ctx.reshape([1, qw]) : ctx.reshape([KV, g, n, hd]).transpose([2, 0, 1, 3]).reshape([n, qw])) as T2;
        x = tf.add(x, tf.matMul(merged, lw.o));
      }
      if (lw.mlpNorm) {
        const h = rms(x, lw.mlpNorm) as T2;
        x = tf.add(x, lw.dense ? mlp(h, lw.dense) : moe(h, lw, pos));
      }
    });
    return n === 1 ? x : x.slice([n - 1, 0], [1, d]);
  };

  const nextToken = (last: T2): number => tf.argMax(tf.matMul(rms(last, finalNorm) as T2, head), 1).dataSync()[0];
  const promptIds = tf.tidy(() => tf.randomUniform([S], 0, arch.vocabSize, 'int32', seed()) as tf.Tensor1D);
  const disposeCaches = (caches: (Cache | undefined)[]) => caches.forEach((c) => c && (c.kT.dispose(), c.v.dispose()));

  const runPrefill = (caches: (Cache | undefined)[]): number => tf.tidy(() => nextToken(pass(promptIds, 0, caches)));

  return {
    paramCount: params,
    prefill() {
      const caches: (Cache | undefined)[] = layers.map(() => undefined);
      runPrefill(caches);
      disposeCaches(caches);
    },
    generate(clock = () => performance.now()) {
      const caches: (Cache | undefined)[] = layers.map(() => undefined);
      const t0 = clock();
      let token = runPrefill(caches);
      const t1 = clock();
      for (let step = 0; step < workload.generatedTokens; step++) {
        const before = caches.slice();
        token = tf.tidy(() => nextToken(pass(tf.tensor1d([token % arch.vocabSize], 'int32'), S + step, caches)));
        before.forEach((c, i) => {
          if (c && caches[i] !== c) (c.kT.dispose(), c.v.dispose());
        });
      }
      const t2 = clock();
      disposeCaches(caches);
      return { prefillMs: t1 - t0, decodeMs: t2 - t1 };
    },
    dispose() {
      [embedding, head, finalNorm, ropeCosQ, ropeSinQ, ropeCosK, ropeSinK, mask, promptIds, ...windowMasks.values(), ...[...ropeRows.values()].flat(), ...routeBias.values()].forEach((t) => t.dispose());
      for (const lw of layers) {
        for (const t of [lw.mixerNorm, lw.qkv, lw.qkvBias, lw.qNorm, lw.kNorm, lw.o, lw.mlpNorm, lw.router, lw.sharedGate]) t?.dispose();
        for (const m of [lw.dense, ...(lw.experts ?? []), ...(lw.shared ?? [])]) if (m) (m.up.dispose(), m.down.dispose());
      }
    },
  };
}
