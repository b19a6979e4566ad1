/** `hwnas sweep` throughput on the whole llm-codesign grid: candidates per second, evaluation and writing included. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchResult } from './types.js';

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'hwnas-sweep-bench-'));
  const bin = join(import.meta.dirname, '../bin/hwnas.js');
  const rates: number[] = [];
  const walls: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const out = execFileSync(process.execPath, [bin, 'sweep', '--space', 'llm-codesign', '--device', 'jetson-agx-orin', '--out', join(dir, 'grid.csv')], { encoding: 'utf8' });
    walls.push(performance.now() - t0);
    const m = /in [\d.]+ s \((\d+) candidates\/s\)/.exec(out);
    if (!m) throw new Error(`unexpected sweep output: ${out}`);
    rates.push(Number(m[1]));
  }
  rmSync(dir, { recursive: true, force: true });
  return [
    { name: 'sweep llm-codesign (37,800 candidates), evaluation + Pareto, best of 3', value: Math.max(...rates), unit: 'candidates/s' },
    { name: 'sweep llm-codesign, whole process incl. start-up and CSV write, best of 3', value: Math.min(...walls), unit: 'ms' },
  ];
}
