/**
 * TensorFlow.js backend selection, shared by the latency predictor and the measurement code.
 *
 * Order: HWNAS_TF_BACKEND if set ('tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu'), else @tensorflow/tfjs-node-gpu,
 * then @tensorflow/tfjs-node when the user has installed them (dynamic import: never a hard dependency), else the
 * wasm backend, which installs everywhere.
 */
import * as tf from '@tensorflow/tfjs';

export type TfBackendChoice = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
export const TF_BACKEND_CHOICES: readonly TfBackendChoice[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

export interface TfBackendInfo {
  /** What ran: the tfjs backend name plus the package that provided it. */
  readonly name: string;
  readonly choice: TfBackendChoice;
  readonly threads: number;
  /** Why this backend: 'env' (HWNAS_TF_BACKEND), 'auto'. */
  readonly reason: 'env' | 'auto';
}

let active: Promise<TfBackendInfo> | undefined;

/** Initialises the backend once per process and returns what is active. */
export function initTf(options: { prefer?: TfBackendChoice; threads?: number } = {}): Promise<TfBackendInfo> {
  active ??= select(options);
  return active;
}

/** The tfjs namespace (after initTf). */
export { tf };

async function select(options: { prefer?: TfBackendChoice; threads?: number }): Promise<TfBackendInfo> {
  const env = process.env.HWNAS_TF_BACKEND?.trim();
  if (env) {
    if (!(TF_BACKEND_CHOICES as readonly string[]).includes(env)) {
      throw new Error(`HWNAS_TF_BACKEND: unknown '${env}'; valid: ${TF_BACKEND_CHOICES.join(', ')}`);
    }
    const info = await tryBackend(env as TfBackendChoice, options.threads);
    if (!info) throw new Error(`HWNAS_TF_BACKEND=${env}: that backend could not be loaded (is its package installed?)`);
    return { ...info, reason: 'env' };
  }
  const order: TfBackendChoice[] = options.prefer ? [options.prefer, 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] : ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];
  for (const choice of order) {
    const info = await tryBackend(choice, options.threads);
    if (info) return { ...info, reason: 'auto' };
  }
  throw new Error('no TensorFlow.js backend could be initialised');
}

async function tryBackend(choice: TfBackendChoice, threads?: number): Promise<Omit<TfBackendInfo, 'reason'> | undefined> {
  try {
    if (choice === 'tensorflow-gpu' || choice === 'tensorflow') {
      const pkg = choice === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
      // A variable specifier keeps TypeScript and bundlers from requiring the optional package.
      await import(/* @vite-ignore */ pkg);
      if (!(await tf.setBackend('tensorflow'))) return undefined;
      await tf.ready();
      fixBatchMatMulGradient();
      return { name: `tensorflow (${pkg})`, choice, threads: 0 };
    }
    if (choice === 'wasm') {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      if (threads !== undefined) wasm.setThreadsCount(threads);
      if (!(await tf.setBackend('wasm'))) return undefined;
      await tf.ready();
      fixBatchMatMulGradient();
      return { name: 'wasm (@tensorflow/tfjs-backend-wasm)', choice, threads: wasm.getThreadsCount() };
    }
    if (!(await tf.setBackend('cpu'))) return undefined;
    await tf.ready();
    fixBatchMatMulGradient();
    return { name: 'cpu (@tensorflow/tfjs-backend-cpu)', choice, threads: 1 };
  } catch {
    return undefined;
  }
}

let gradientFixed = false;

/**
 * tfjs's BatchMatMul gradient uses matMul with transpose flags, which the wasm backend runs 13–22× slower than a
 * plain matMul (packages.md). Re-registering it with explicit transposes makes a training step ~4× faster.
 */
export function fixBatchMatMulGradient(): void {
  if (gradientFixed) return;
  gradientFixed = true;
  const T = (x: tf.Tensor) => {
    const r = x.rank;
    const perm = Array.from({ length: r }, (_, i) => i);
    [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
    return tf.transpose(x, perm);
  };
  const mm = (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);
  tf.registerGradient({
    kernelName: 'BatchMatMul',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved, attrs) => {
      const [a, b] = saved;
      const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
      const g = dy as tf.Tensor;
      if (!transposeA && !transposeB) return { a: () => mm(g, T(b)), b: () => mm(T(a), g) };
      if (!transposeA && transposeB) return { a: () => mm(g, b), b: () => mm(T(g), a) };
      if (transposeA && !transposeB) return { a: () => mm(b, T(g)), b: () => mm(a, g) };
      return { a: () => mm(T(b), T(g)), b: () => mm(T(g), T(a)) };
    },
  });
}

/** One line for command output: which backend ran. */
export function describeBackend(info: TfBackendInfo): string {
  return `tfjs backend: ${info.name}, threads ${info.threads || 'n/a'}${info.reason === 'env' ? ' (HWNAS_TF_BACKEND)' : ''}`;
}
