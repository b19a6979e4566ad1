/**
 * Overhead per candidate of your own evaluators against the analytic evaluator, on 48 nb201 candidates: a command
 * (one process per candidate: spawn, the candidate's JSON on stdin, a JSON line back) that does nothing else — a
 * shell one-liner and a Node script, one and two at a time — and a module whose evaluate() returns a constant,
 * in-process and in a pool of 2 worker threads. Best of 3 (wall time; the machine may be shared: the ratios are the
 * figures to compare).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '../core/rng.js';
import type { Genes } from '../core/space.js';
import { nb201Space } from '../core/spaces/nb201.js';
import { getDevice } from '../hardware/devices.js';
import type { Evaluator } from '../search/evaluate/evaluator.js';
import { createPoolEvaluator } from '../search/evaluate/pool.js';
import { createEvaluator, type EvaluatorSpec } from '../search/evaluate/registry.js';
import type { BenchResult } from './types.js';

const N = 48;

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'hwnas-bench-eval-'));
  const rng = createRng(3);
  const genes: Genes[] = Array.from({ length: N }, () => nb201Space.sample(rng));
  const archs = genes.map((g) => nb201Space.decode(g));
  const best = async (e: Evaluator) => {
    let ms = Infinity;
    for (let rep = 0; rep < 3; rep++) {
      const t0 = performance.now();
      const r = await e.evaluate(archs, genes);
      ms = Math.min(ms, performance.now() - t0);
      if (!r.every((x) => x.ok)) throw new Error(`${e.id}: ${r.find((x) => !x.ok && 'error' in x)}`);
    }
    return ms / N;
  };
  const metrics = [{ name: 'score', unit: '', direction: 'max' as const }];
  const node = join(dir, 'score.mjs');
  writeFileSync(node, "import { readFileSync } from 'node:fs';\nconst c = JSON.parse(readFileSync(0, 'utf8'));\nconsole.log(JSON.stringify({ score: c.genes[0] }));\n");
  const mod = join(dir, 'score-module.mjs');
  writeFileSync(mod, 'export function evaluate(c) { return { score: c.genes[0] }; }\n');
  const command = (cmd: string, concurrency: number): EvaluatorSpec => ({ kind: 'command', command: cmd, cwd: dir, space: 'nb201', metrics, timeoutMs: 60_000, retries: 0, concurrency, files: {} });
  const results: BenchResult[] = [];
  try {
    const analytic = await createEvaluator({ kind: 'analytic', device: getDevice('raspberry-pi-5'), workload: { batch: 1, promptTokens: 0, generatedTokens: 0 }, mode: 'roofline', law: 'codesign', trainingTokens: 10e9 });
    await analytic.evaluate(archs, genes); // warm the JIT
    const base = await best(analytic);
    results.push({ name: 'analytic evaluator, per candidate', value: base * 1000, unit: 'µs' });
    const cases: [string, EvaluatorSpec | (() => Evaluator)][] = [
      ['command: sh one-liner (cat; echo JSON), 1 at a time', command(`cat > /dev/null; echo '{"score": 1}'`, 1)],
      ['command: sh one-liner, 2 at a time', command(`cat > /dev/null; echo '{"score": 1}'`, 2)],
      ['command: node script, 1 at a time', command(`node ${node}`, 1)],
      ['command: node script, 2 at a time', command(`node ${node}`, 2)],
      ['module, in-process', { kind: 'module', file: mod, space: 'nb201', metrics, files: {} }],
      ['module, pool of 2 worker threads', () => createPoolEvaluator({ spec: { kind: 'module', file: mod, space: 'nb201', metrics, files: {} }, threads: 2, chunkSize: 8 })],
    ];
    for (const [name, spec] of cases) {
      const e = typeof spec === 'function' ? spec() : await createEvaluator(spec);
      try {
        await e.evaluate(archs.slice(0, 4), genes.slice(0, 4)); // warm: workers started, module loaded
        const ms = await best(e);
        results.push({ name: `${name}, per candidate`, value: ms, unit: 'ms' });
        results.push({ name: `${name}, over the analytic evaluator`, value: ms / base, unit: 'x' });
      } finally {
        await e.close?.();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
