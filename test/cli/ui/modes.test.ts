import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { interactiveTerminal } from '../../../cli/ui/terminal.js';

const tty = { stdout: { isTTY: true }, stdin: { isTTY: true } };

describe('which progress mode', () => {
  it('draws the interactive UI only on a terminal at both ends, outside CI, on a capable terminal', () => {
    expect(interactiveTerminal({}, tty)).toBe(true);
    expect(interactiveTerminal({ CI: 'true' }, tty)).toBe(false);
    expect(interactiveTerminal({ CI: '1' }, tty)).toBe(false);
    expect(interactiveTerminal({ CI: 'false' }, tty)).toBe(true);
    expect(interactiveTerminal({ TERM: 'dumb' }, tty)).toBe(false);
    expect(interactiveTerminal({}, { stdout: { isTTY: true }, stdin: {} })).toBe(false);
    expect(interactiveTerminal({}, { stdout: {}, stdin: { isTTY: true } })).toBe(false);
  });

  it('prints progress on stderr and the results on stdout; --json: one result object on stdout, events on stderr', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hwnas-modes-'));
    const bin = resolve(import.meta.dirname, '../../../bin/hwnas.js');
    const argv = [bin, 'search', '--space', 'llm-codesign', '--device', 'jetson-agx-orin', '--evaluations', '120', '--generation-size', '40', '--db', join(dir, 'm.db')];
    const plain = spawnSync('node', [...argv, '--name', 'p'], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
    expect(plain.status).toBe(0);
    const lines = plain.stderr.split('\n');
    expect(lines.find((l) => l.startsWith('starting'))).toBe('starting study p at generation 0 (0 evaluated); budget 120 evaluations in total');
    expect(lines.some((l) => /^generation \d+: 120\/120 evaluated \(100%\), 0 failed, [\d.e+]+\/s, ETA 0s, hypervolume [\d.]+, frontier \d+$/.test(l))).toBe(true);
    expect(lines.some((l) => /^finished \(evaluations\) after \d+s: 120 evaluated, 0 failed/.test(l))).toBe(true);
    // Results on stdout: `hwnas search … > out.txt` keeps them.
    const out = plain.stdout.split('\n');
    expect(out[0]).toMatch(/^study p: finished \(evaluations\); 120 evaluated, 0 failed, frontier of \d+, hypervolume [\d.]+$/);
    expect(out.some((l) => /^\s+seq\s+layers\s+width\s+moe\s+kvHeads\s+ffnRatio\s+precision\s+loss \(nats\/token, 10B tokens\)\s+latencyMs$/.test(l))).toBe(true);
    expect(out.some((l) => /\d\.\d{4}\s+[\d.]+ ms$/.test(l))).toBe(true);
    expect(plain.stderr).not.toMatch(/^\s+seq\s/m);
    const json = spawnSync('node', [...argv, '--name', 'j', '--json'], { encoding: 'utf8' });
    expect(json.status).toBe(0);
    const events = json.stderr.trim().split('\n').map((l) => JSON.parse(l) as { type: string });
    expect(events.find((e) => e.type !== 'warning')!.type).toBe('started');
    expect(events.at(-1)!.type).toBe('finished');
    const result = JSON.parse(json.stdout) as { outcome: { study: string; evaluations: number; frontierSize: number }; format: string; candidates: unknown[] };
    expect(result.outcome).toMatchObject({ study: 'j', evaluations: 120 });
    expect(result.format).toBe('hwnas-frontier/1');
    expect(result.candidates).toHaveLength(result.outcome.frontierSize);
  });
});
