/**
 * Runs every bench/*.bench.ts (or those named with --only) and prints their figures as a table,
 * or one JSON object per line with --json. --full runs the long versions (HWNAS_BENCH_FULL=1 for the benches).
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { BenchResult } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: { json: { type: 'boolean', default: false }, only: { type: 'string', multiple: true }, full: { type: 'boolean', default: false } },
});
if (values.full) process.env.HWNAS_BENCH_FULL = '1';
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => !values.only || values.only.some((name) => f === `${name}.bench.ts`))
  .sort();
if (files.length === 0) {
  console.error(`bench: no benchmark matches ${values.only?.join(', ') ?? ''}`);
  process.exit(2);
}
for (const file of files) {
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { run: () => Promise<BenchResult[]> };
  const results = await mod.run();
  for (const r of results) {
    if (values.json) console.log(JSON.stringify(r));
    else console.log(`${file.replace('.bench.ts', '').padEnd(14)} ${r.name.padEnd(80)} ${formatValue(r.value).padStart(14)} ${r.unit}`);
  }
}

function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1e6 || (Math.abs(v) < 1e-3 && v !== 0)) return v.toExponential(3);
  return Number(v.toPrecision(5)).toString();
}
