/**
 * What a new user reads: --help on every command and sub-command, the version, the top-level list, and the
 * one-line messages for the usual slips (a misspelled flag, a bad number, an unknown law).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../cli/commands/index.js';
import { main } from '../../cli/main.js';
import { METRICS } from '../../core/metrics.js';
import { METRIC_ALIASES } from '../../core/objectives.js';
import { SPACES } from '../../core/spaces/index.js';
import { STRATEGIES } from '../../search/strategies/index.js';
import { captureConsole } from './console.js';

const { errors, logs } = captureConsole();

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  logs.length = 0;
  errors.length = 0;
  const code = await main(argv);
  return { code, out: logs.join('\n'), err: errors.join('\n') };
}

/** Test-only knobs and files a user does not have never appear in what a user reads. */
const NOT_FOR_USERS = /slow-test|cost-ms|costMs|testFaults|papers\.md|\.\.\/shared/;

describe('help', () => {
  it('every command and sub-command answers --help and -h with its usage and flags, exit 0', async () => {
    const topics: string[][] = [...Object.keys(COMMANDS).map((c) => [c]), ['predictor', 'meta-train'], ['predictor', 'adapt'], ['predictor', 'eval']];
    for (const topic of topics) {
      for (const flag of ['--help', '-h']) {
        const r = await run(...topic, flag);
        expect(r.code, topic.join(' ')).toBe(0);
        expect(r.out).toContain(`usage: hwnas ${topic.join(' ')}`);
        expect(r.out).toContain(COMMANDS[topic[0]].summary);
        expect(r.out).not.toMatch(NOT_FOR_USERS);
      }
    }
    // A sub-command's help lists its own flags; `hwnas help <command>` is the same as --help.
    expect((await run('predictor', 'adapt', '--help')).out).toMatch(/--samples csv\s+measured latencies/);
    expect((await run('help', 'resume')).out).toContain('usage: hwnas resume <study>');
  });

  it('prints the version and one line per command', async () => {
    const version = (JSON.parse(readFileSync(resolve('package.json'), 'utf8')) as { version: string }).version;
    for (const flag of ['--version', '-V']) expect(await run(flag)).toEqual({ code: 0, out: `hwnas ${version}`, err: '' });
    const top = await run('--help');
    for (const [name, c] of Object.entries(COMMANDS)) expect(top.out.split('\n')).toContain(`  ${name.padEnd(9)}  ${c.summary}`);
  });

  it('search --help lists the spaces, strategies and metrics with their aliases and directions', async () => {
    const { out } = await run('search', '--help');
    // Each id in a column of its own, at least two spaces before its description (the longest id too).
    for (const [id, s] of [...Object.entries(SPACES), ...Object.entries(STRATEGIES)]) {
      const line = out.split('\n').find((l) => l.startsWith(`  ${id} `));
      expect(line, id).toMatch(/^ {2}\S+ {2,}\S/);
      expect(line!.endsWith(` ${s.description}`), id).toBe(true);
    }
    for (const metric of Object.keys(METRICS)) expect(out).toMatch(new RegExp(`^  ${metric}\\b.*  (min|max)  `, 'm'));
    expect(out).toMatch(/^ {2}tokensPerS \(throughput\)\s+max /m);
    expect(out).toMatch(/^ {2}latencyMs \(latency\)\s+min /m);
    for (const alias of Object.keys(METRIC_ALIASES)) expect(out).toContain(`(${alias})`);
    expect(out).not.toMatch(NOT_FOR_USERS);
  });
});

describe('messages', () => {
  const base = ['search', '--space', 'llm-codesign', '--device', 'jetson-agx-orin', '--db', '/nonexistent/never.db'];
  it('suggest the flag, command, space or metric meant, and say what a number flag takes', async () => {
    expect(await run('search', '--evalutions', '3')).toEqual({ code: 2, out: '', err: 'hwnas search: unknown flag --evalutions; did you mean --evaluations? (hwnas search --help lists its flags)' });
    expect((await run('serch')).err).toMatch(/^hwnas: unknown command 'serch' \(did you mean 'search'\?\)/);
    expect((await run(...base, '--evaluations', '2k')).err).toBe("--evaluations: expected an integer ≥ 1, got '2k'");
    expect((await run('search', '--space', 'llm-codesgn')).err).toMatch(/^--space: unknown search space 'llm-codesgn' \(did you mean 'llm-codesign'\?\)/);
    expect((await run(...base, '--strategy', 'nsga')).err).toMatch(/^--strategy: unknown strategy 'nsga' \(did you mean 'nsga2'\?\)/);
    expect((await run(...base, '--device', 'jetson-agx-orn')).err).toMatch(/^--device: unknown device 'jetson-agx-orn' \(did you mean 'jetson-agx-orin'\?\)/);
  });

  it('name the flag once (no doubled prefixes) and list the law ids for an unknown law', async () => {
    const c = await run(...base, '--constraint', 'memroy<=3GB');
    expect(c.err).toMatch(/^--constraint: 'memroy<=3GB': unknown metric 'memroy' \(did you mean 'memory'\?\); valid metrics: /);
    expect(c.err.match(/--constraint/g)).toHaveLength(1);
    const o = await run(...base, '--objectives', 'loss,latncy');
    expect(o.err).toMatch(/^--objectives: unknown metric 'latncy' \(did you mean 'latency'\?\)/);
    expect(o.err.match(/--objectives/g)).toHaveLength(1);
    const law = await run(...base, '--loss-law', 'foo');
    expect(law.err).toBe("--loss-law: unknown loss law 'foo'; built in: codesign, chinchilla, gemstones (nemotron-flash: a form to fit with hwnas fit), or a law file (.json/.yaml from hwnas fit --out)");
    expect((await run(...base, '--loss-law', 'chinchila')).err).toMatch(/did you mean 'chinchilla'\?/);
    expect((await run('analyze', '--model', 'llama-3.2-1b', '--device', 'rtx-4090', '--loss-law', 'foo')).err).toMatch(/^--loss-law: unknown loss law 'foo'; built in: codesign, chinchilla/);
  });

  it('no message, help text or law source a user can see cites the team reference notes (papers.md or the shared folder)', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const f of readdirSync(dir)) {
        const p = join(dir, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.tsx?$/.test(f)) files.push(p);
      }
    };
    for (const dir of ['cli', 'core', 'search', 'predictors', 'hardware']) walk(resolve(dir));
    const offending: string[] = [];
    for (const f of files) {
      readFileSync(f, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          const code = line.replace(/\/\/.*$/, '').trim();
          // String literals only: comments (// … and /* … */ blocks) are for developers, who have the reference.
          if (/^(\*|\/\*)/.test(code)) return;
          if (/(['"`]).*(papers\.md|\.\.\/shared)/.test(code)) offending.push(`${f}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offending).toEqual([]);
  });
});
