/**
 * The user's own evaluators: a command (in Python and in Node), a module run in worker threads, a table; and the
 * shipped NAS-Bench-201 accuracy table against the published optimum.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Genes } from '../../../core/space.js';
import { nb201Space, parseNb201ArchStr } from '../../../core/spaces/nb201.js';
import { CommandEvaluator, type CommandSpec } from '../../../search/evaluate/command.js';
import { createModuleEvaluator } from '../../../search/evaluate/module.js';
import { createPoolEvaluator } from '../../../search/evaluate/pool.js';
import { nb201AccuracySpec } from '../../../search/evaluate/shipped-tables.js';
import { createTableEvaluator, type TableSpec } from '../../../search/evaluate/table.js';
import { userEvaluatorSpecs } from '../../../search/user-evaluators.js';

const fixtures = resolve('test/search/evaluate/fixtures');
const dir = mkdtempSync(join(tmpdir(), 'hwnas-user-eval-'));
const decode = (genes: readonly Genes[]) => genes.map((g) => nb201Space.decode(g));

function commandSpec(command: string, over: Partial<CommandSpec> = {}): CommandSpec {
  return { kind: 'command', command, cwd: fixtures, space: 'nb201', metrics: [{ name: 'score', unit: '', direction: 'max' }], timeoutMs: 8000, retries: 0, concurrency: 6, files: {}, ...over };
}

/** Running, not a zombie waiting for init to reap it (on Linux /proc says which). */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
};

describe('command evaluator', () => {
  // First gene: 0 ok, 1 crash, 2 hang (with a child process), 3 not JSON, 4 no declared metric.
  const genes: Genes[] = [[0, 3, 0, 0, 0, 0], [1, 2, 0, 0, 0, 0], [2, 0, 0, 0, 0, 0], [3, 0, 0, 0, 0, 0], [4, 1, 0, 0, 0, 0], [0, 4, 1, 1, 1, 1]];

  for (const [language, script] of [['Python', 'python3 evaluator.py'], ['Node', 'node evaluator.mjs']] as const) {
    it(`${language}: success, a crash, a hang past the timeout (its process group killed), bad JSON and a missing metric each fail alone`, async () => {
      const pids = join(dir, `${language}.pids`);
      writeFileSync(pids, '');
      const evaluator = new CommandEvaluator(commandSpec(`${script} faulty ${pids}`));
      const r = await evaluator.evaluate(decode(genes), genes);
      // score = 10 × genes[0] + genes[1]; the NAS-Bench-201 cell has 6 edges.
      expect(r[0]).toEqual({ ok: true, metrics: { score: 3, edges: 6 } });
      expect(r[5]).toEqual({ ok: true, metrics: { score: 4, edges: 6 } });
      expect(r[1]).toMatchObject({ ok: false, error: expect.stringMatching(/^exited with code 3; stderr: .*out of memory for \|skip_connect~0\|\+/) });
      expect(r[2]).toMatchObject({ ok: false, error: expect.stringMatching(/^timed out after 8000 ms \(process group killed\)/) });
      expect(r[3]).toMatchObject({ ok: false, error: expect.stringMatching(/^printed no JSON on stdout .*accuracy: 93\.1/) });
      expect(r[4]).toMatchObject({ ok: false, error: "declared metric missing from the output: no 'score' (got other)" });
      // The hanging script's own child went with its group.
      const childPids = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
      expect(childPids).toHaveLength(1);
      for (let i = 0; i < 20 && alive(childPids[0]); i++) await new Promise((r) => setTimeout(r, 100));
      expect(alive(childPids[0])).toBe(false);
    }, 60_000);
  }

  it('--retries reruns a failed candidate; without retries the first failure stands', async () => {
    const g: Genes[] = [[0, 1, 0, 0, 0, 0]];
    const once = new CommandEvaluator(commandSpec(`node evaluator.mjs flaky ${join(dir, 'flaky-1')}`));
    expect((await once.evaluate(decode(g), g))[0]).toMatchObject({ ok: false, error: expect.stringMatching(/^exited with code 1; stderr: flaky: first attempt fails/) });
    const retried = new CommandEvaluator(commandSpec(`node evaluator.mjs flaky ${join(dir, 'flaky-2')}`, { retries: 1 }));
    expect((await retried.evaluate(decode(g), g))[0]).toEqual({ ok: true, metrics: { score: 1, edges: 6 } });
  }, 60_000);
});

describe('module evaluator', () => {
  const spec = { kind: 'module' as const, file: join(fixtures, 'evaluator-module.ts'), space: 'nb201', metrics: [{ name: 'score', unit: '', direction: 'max' as const }], files: {} };
  const genes: Genes[] = [[1, 2, 3, 0, 0, 0], [0, 0, 0, 0, 0, 1], [4, 0, 0, 0, 0, 0], [3, 3, 3, 3, 3, 3], [2, 2, 2, 2, 2, 2], [4, 4, 4, 4, 4, 4]];
  // score = 2 × Σ genes once setup() ran; a first edge of avg_pool_3x3 throws.
  const expected = [{ ok: true, score: 12 }, { ok: true, score: 2 }, { ok: false }, { ok: true, score: 36 }, { ok: true, score: 24 }, { ok: false }];

  it('in worker threads: setup() before the first candidate in every thread, a throw fails that candidate only', async () => {
    const pool = createPoolEvaluator({ spec, threads: 2, chunkSize: 1 });
    try {
      const r = await pool.evaluate(decode(genes), genes);
      r.forEach((res, i) => {
        expect(res.ok).toBe(expected[i].ok);
        if (res.ok) expect(res.metrics.score).toBe(expected[i].score);
        else expect(res.error).toBe('diverged on avg_pool_3x3');
      });
      // The arch string reached the module: |op~0|+|op~0|op~1|+|op~0|op~1|op~2| for these cells.
      expect(r[0].ok && r[0].metrics.archStrLength).toBe('|nor_conv_1x1~0|+|nor_conv_3x3~0|skip_connect~1|+|none~0|none~1|none~2|'.length);
    } finally {
      await pool.close();
    }
  }, 60_000);

  it('a module without evaluate() is refused by name', async () => {
    const bad = join(dir, 'bad.mjs');
    writeFileSync(bad, 'export const score = 1;\n');
    await expect(createModuleEvaluator({ ...spec, file: bad })).rejects.toThrow(/bad\.mjs: exports no function 'evaluate\(candidate\)'; exports: score/);
  });
});

describe('table evaluator', () => {
  const metrics = [{ name: 'accuracy', unit: '%', direction: 'max' as const, column: 'acc' }];
  const table = (name: string, lines: string[]) => {
    const file = join(dir, name);
    writeFileSync(file, lines.join('\n'));
    return file;
  };
  const spec = (file: string, key: TableSpec['key']): TableSpec => ({ kind: 'table', file, space: 'nb201', key, metrics, files: {} });
  const genes: Genes[] = [[3, 3, 1, 0, 2, 4], [0, 0, 0, 0, 0, 0]];

  it('looks metrics up by genes, by gene values and by arch string; a candidate not in the table fails', async () => {
    const byGenes = table('g.csv', ['genes,acc', '3.3.1.0.2.4,91.5', '1.1.1.1.1.1,10']);
    const byValues = table('v.csv', ['edge_1_0,edge_2_0,edge_2_1,edge_3_0,edge_3_1,edge_3_2,acc', 'nor_conv_3x3,nor_conv_3x3,skip_connect,none,nor_conv_1x1,avg_pool_3x3,91.5']);
    const byArch = table('a.csv', ['arch_str,acc', '|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|none~0|nor_conv_1x1~1|avg_pool_3x3~2|,91.5']);
    for (const [file, key] of [[byGenes, 'genes'], [byValues, 'values'], [byArch, 'arch_str']] as const) {
      const r = await createTableEvaluator(spec(file, key)).evaluate(decode(genes), genes);
      expect(r[0]).toEqual({ ok: true, metrics: { accuracy: 91.5 } });
      expect(r[1]).toMatchObject({ ok: false, error: expect.stringMatching(/^not in .*\.csv/) });
    }
  });

  it('a configured table finds its key from its columns: arch_str, else genes, else one column per gene', () => {
    const at = (lines: string[], name: string) => userEvaluatorSpecs([{ table: table(name, lines), metrics }], { space: nb201Space, spaceRef: 'nb201', threads: 0, timeoutMs: undefined })[0];
    expect(at(['genes,acc', '3.3.1.0.2.4,91.5'], 'k1.csv')).toMatchObject({ kind: 'table', key: 'genes' });
    expect(at(['edge_1_0,edge_2_0,edge_2_1,edge_3_0,edge_3_1,edge_3_2,acc', 'nor_conv_3x3,nor_conv_3x3,skip_connect,none,nor_conv_1x1,avg_pool_3x3,91.5'], 'k2.csv')).toMatchObject({ key: 'values' });
    expect(at(['arch_str,genes,acc', '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|,0.0.0.0.0.0,10'], 'k3.csv')).toMatchObject({ key: 'arch_str' });
    expect(() => at(['edge_1_0,acc', 'none,1'], 'k4.csv')).toThrow(/evaluators\[0\]: .*k4\.csv has no key column: give it arch_str, genes, or one column per gene \(edge_1_0, edge_2_0/);
  });

  it('a bad cell or a repeated key is one message naming the file, line and column', () => {
    expect(() => createTableEvaluator(spec(table('bad.csv', ['genes,acc', '3.3.1.0.2.4,high']), 'genes'))).toThrow(/bad\.csv: line 2, column 'acc' \(accuracy\): expected a number, got 'high'/);
    expect(() => createTableEvaluator(spec(table('twice.csv', ['genes,acc', '1.1.1.1.1.1,1', '1-1-1-1-1-1,2']), 'genes'))).toThrow(/twice\.csv: line 3: the key 1\.1\.1\.1\.1\.1 appears twice/);
  });

  it('the shipped NAS-Bench-201 table gives the published best test accuracies (94.37 / 73.51 / 47.31)', async () => {
    // The NAS-Bench-201 paper's optimal row; the cells are those of data/accuracy/SOURCE.md (indices 6111, 9930, 857).
    const cells = [
      '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|',
      '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|',
      '|nor_conv_1x1~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|',
    ].map(parseNb201ArchStr);
    const r = await createTableEvaluator(nb201AccuracySpec()).evaluate(decode(cells), cells);
    const m = r.map((x) => (x.ok ? x.metrics : {}));
    expect(m[0].cifar10Accuracy).toBeCloseTo(94.3733, 4);
    expect(m[1].cifar100Accuracy).toBeCloseTo(73.5133, 4);
    expect(m[2].imagenet16Accuracy).toBeCloseTo(47.3111, 4);
  });
});
