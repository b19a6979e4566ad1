/**
 * The package as another project gets it: `npm pack` (which builds dist/ through `prepare`), the tarball installed
 * into an empty project without the network (`npm ci --offline` from a lockfile pinning the tarball and this
 * repository's locked dependency versions, all in npm's cache since this repository's own install), then the
 * README's library example type-checked against the installed declarations, compiled and run, the library imported
 * from plain JavaScript, and a study run by the installed CLI on a PostgreSQL server (its coordinator's heartbeat
 * thread loads from the compiled code). Install scripts are skipped: the one native dependency, better-sqlite3, gets
 * the binary this repository's install compiled for the same version and Node.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startPostgres } from './postgres-server.js';

const repo = resolve('.');
const run = (cmd: string, args: string[], cwd: string) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' } });

describe('the packed tarball in another project', () => {
  it('installs offline; the README example runs from TypeScript, the library imports from JavaScript, and a study runs on a server', async () => {
    const work = mkdtempSync(join(tmpdir(), 'hwnas-pack-'));
    run('npm', ['pack', '--pack-destination', work], repo);
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))!;
    const project = join(work, 'consumer');
    cpSync(join(work, tarball), join(project, tarball));
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
    const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8'));
    const integrity = `sha512-${createHash('sha512').update(readFileSync(join(project, tarball))).digest('base64')}`;
    const packages: Record<string, unknown> = {
      '': { name: 'consumer', dependencies: { hwnas: `file:${tarball}` } },
      'node_modules/hwnas': { version: pkg.version, resolved: `file:${tarball}`, integrity, license: pkg.license, dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines },
    };
    for (const [path, entry] of Object.entries(lock.packages as Record<string, { dev?: boolean }>)) if (path.startsWith('node_modules/') && !entry.dev) packages[path] = entry;
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { hwnas: `file:${tarball}` } }));
    writeFileSync(join(project, 'package-lock.json'), JSON.stringify({ name: 'consumer', lockfileVersion: 3, requires: true, packages }));
    run('npm', ['ci', '--offline', '--ignore-scripts'], project);
    cpSync(join(repo, 'node_modules/better-sqlite3/build'), join(project, 'node_modules/better-sqlite3/build'), { recursive: true });
    // What the tarball holds: compiled code with declarations, data and device profiles, no sources or tests.
    const installed = join(project, 'node_modules/hwnas');
    expect(readdirSync(installed).sort()).toEqual(['README.md', 'bin', 'data', 'dist', 'hardware', 'package.json']);

    // The README's example, as written there: kv-cache.mjs and search.ts.
    const readme = readFileSync(join(repo, 'README.md'), 'utf8');
    const files = [...readme.matchAll(/```(?:js|ts)\n(\/\/ (\S+) —[\s\S]*?)```/g)].map((m) => ({ name: m[2], code: m[1] }));
    expect(files.map((f) => f.name)).toEqual(['kv-cache.mjs', 'search.ts']);
    for (const f of files) writeFileSync(join(project, f.name), f.code);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true, outDir: 'out', types: ['node'], typeRoots: [join(repo, 'node_modules/@types')] },
        files: ['search.ts'],
      }),
    );
    // Type-checked against dist/index.d.ts of the installed package, then compiled and run.
    run(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], project);
    expect(run(process.execPath, ['out/search.js'], project)).toMatch(/^18 evaluated, \d+ on the frontier -> frontier\.json/);
    const frontier = JSON.parse(readFileSync(join(project, 'frontier.json'), 'utf8')) as { genes: { depth: number; kv: number }; metrics: Record<string, number> }[];
    expect(frontier.length).toBeGreaterThan(0);
    for (const p of frontier) {
      // K and V, every layer, kv heads × head dim 64, 2 bytes: worked by hand from the genes.
      expect(p.metrics.kvBytesPerToken).toBe(2 * p.genes.depth * p.genes.kv * 64 * 2);
      expect(p.metrics.decodeMsPerToken).toBeLessThanOrEqual(20);
      expect(p.metrics.loss).toBeGreaterThan(0);
    }
    // The smallest KV cache of the space (12 layers, one KV head) is on any loss-vs-KV frontier.
    expect(Math.min(...frontier.map((p) => p.metrics.kvBytesPerToken))).toBe(3072);

    // Plain JavaScript (ESM), and the CLI the package installs.
    writeFileSync(
      join(project, 'check.mjs'),
      [
        "import * as hwnas from 'hwnas';",
        "const a = hwnas.analyze('qwen2.5-0.5b', 'jetson-agx-orin');",
        "const s = hwnas.sweep({ space: 'nb201', device: 'raspberry-pi-5' });",
        // Worker threads from the compiled code: the pool must find dist/search/evaluate/pool-worker.js.
        "const r = await hwnas.runSearch({ space: 'nb201', device: 'raspberry-pi-5', objectives: 'max:cifar10Accuracy,latency', strategy: 'random', evaluations: 24, threads: 2, db: ':memory:' });",
        'console.log(JSON.stringify({ functions: ["analyze", "sweep", "runSearch", "defineSpace", "getDevice"].map((f) => typeof hwnas[f]), params: a.analysis.params.total, cells: s.rows.length, devices: hwnas.deviceIds().includes("jetson-agx-orin"), searched: [r.evaluations, r.failed, r.frontier.every((p) => p.metrics.cifar10Accuracy > 0)] }));',
      ].join('\n'),
    );
    const checked = JSON.parse(run(process.execPath, ['check.mjs'], project));
    // Qwen2.5-0.5B: 494,032,768 parameters (its model card); NAS-Bench-201: 5^6 cells.
    expect(checked).toEqual({ functions: ['function', 'function', 'function', 'function', 'function'], params: 494_032_768, cells: 15_625, devices: true, searched: [24, 0, true] });
    expect(run(process.execPath, ['node_modules/.bin/hwnas', 'devices'], project)).toMatch(/jetson-agx-orin/);

    // A study on a PostgreSQL server: its coordinator's heartbeat thread must load from the compiled code
    // (dist/search/store/postgres/heartbeat-thread.js); one that cannot start refuses the study.
    const server = await startPostgres();
    try {
      const url = server.createDatabase('packed');
      const args = ['search', '--space', 'nb201', '--evaluator', 'slow-test', '--cost-ms', '0', '--evaluations', '4', '--generation-size', '4', '--name', 'p', '--storage', url, '--quiet'];
      expect(run(process.execPath, ['node_modules/.bin/hwnas', ...args], project)).toMatch(/^study p: finished/);
      expect(server.sql('packed', 'SELECT status, evaluations FROM hwnas_studies').trim()).toBe('finished|4');
    } finally {
      server.destroy();
    }
  }, 600_000);
});
