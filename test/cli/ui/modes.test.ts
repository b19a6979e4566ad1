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

  it('prints plain progress lines and a final frontier table without a terminal, JSON events with --json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hwnas-modes-'));
    const bin = resolve(import.meta.dirname, '../../../bin/hwnas.js');
    const argv = [bin, 'search', '--space', 'llm-codesign', '--device', 'jetson-agx-orin', '--evaluations', '120', '--generation-size', '40', '--db', join(dir, 'm.db')];
    const plain = spawnSync('node', [...argv, '--name', 'p'], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
    expect(plain.status).toBe(0);
    const lines = plain.stderr.split('\n');
    expect(lines[0]).toBe('starting study p at generation 0 (0 evaluated)');
    expect(lines.some((l) => /^generation \d+: 120\/120 evaluated \(100%\), 0 failed, [\d.e+]+\/s, ETA 0s, hypervolume [\d.]+, frontier \d+$/.test(l))).toBe(true);
    expect(lines.some((l) => /^finished \(evaluations\) after \d+s: 120 evaluated, 0 failed/.test(l))).toBe(true);
    expect(lines.some((l) => /^\s+seq\s+layers\s+width\s+moe\s+kvHeads\s+ffnRatio\s+precision\s+loss\s+latencyMs$/.test(l))).toBe(true);
    const json = spawnSync('node', [...argv, '--name', 'j', '--json'], { encoding: 'utf8' });
    expect(json.status).toBe(0);
    const events = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string });
    expect(events[0].type).toBe('started');
    expect(events.at(-1)!.type).toBe('finished');
  });
});
