import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dominates } from '../../core/pareto.js';

const BIN = join(import.meta.dirname, '../../bin/hwnas.js');
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

describe('hwnas sweep', () => {
  it('writes every candidate with is_pareto, and the marked rows are exactly the non-dominated feasible ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hwnas-sweep-'));
    const out = join(dir, 'grid.csv');
    const r = run('sweep', '--space', 'llm-codesign', '--device', 'jetson-agx-orin', '--constraint', 'decodeMsPerToken<=20', '--out', out);
    expect(r.status, r.stderr).toBe(0);
    const [header, ...lines] = readFileSync(out, 'utf8').trim().split('\n');
    const cols = header.split(',');
    expect(lines).toHaveLength(37_800);
    const at = (name: string) => cols.indexOf(name);
    const rows = lines.map((l) => l.split(','));
    const pts = rows.map((r) => [Number(r[at('loss')]), Number(r[at('latencyMs')])]);
    const feasible = rows.map((r) => Number(r[at('decodeMsPerToken')]) <= 20);
    const marked = rows.map((r) => r[at('is_pareto')] === '1');
    // Check a sample by brute force: a marked row is feasible and dominated by no feasible row; an unmarked one is.
    for (let i = 0; i < rows.length; i += 97) {
      const dominated = pts.some((p, j) => feasible[j] && dominates(p, pts[i]));
      expect(marked[i]).toBe(feasible[i] && !dominated);
    }
    expect(marked.filter(Boolean).length).toBeGreaterThan(10);
  });

  it('refuses spaces too large to enumerate, and leaves no file behind on bad input', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hwnas-sweep-'));
    const out = join(dir, 'x.csv');
    const r = run('sweep', '--space', 'fbnet', '--device', 'jetson-agx-orin', '--out', out);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/too many to sweep/);
    expect(run('sweep', '--space', 'llm-codesign', '--device', 'jetson-agx-orin', '--objectives', 'loss,speed', '--out', out).status).toBe(2);
    expect(existsSync(out)).toBe(false);
  });
});
