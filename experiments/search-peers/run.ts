/**
 * hwnas's strategies against pymoo's and Optuna's searches on llm-codesign / Jetson AGX Orin (loss vs end-to-end
 * latency, 37,800 candidates, exact frontier from the sweep), the table of issue #18. Budgets count distinct
 * candidates (a repeated candidate is answered from the table and not counted); the peers get the sweep as a
 * lookup table; 5 seeds.
 *
 *   python3 -m venv /tmp/peers && /tmp/peers/bin/pip install optuna==5.0.0 pymoo==0.6.2
 *   nice node --import tsx experiments/search-peers/run.ts --python /tmp/peers/bin/python [--seeds 5]
 *
 * writes results.md and results.json here. Without --python only hwnas's strategies run; --save-peers <file> keeps
 * the peers' output and --peers <file> scores it again without rerunning them (Optuna's TPE takes minutes a seed). The peers' side is
 * peers.py (it prints, per method and seed, the table rows in the order first evaluated); every run is scored here,
 * with the code that scores the quality bench (bench/lib/search-quality.ts). Not part of `npm test`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gridGenes } from '../../core/space.js';
import { QUALITY_STRATEGIES } from '../../bench/strategy-quality.bench.js';
import { codesignProblem, referenceFor, runStrategy, scoreFound, type Score } from '../../bench/lib/search-quality.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const { values } = parseArgs({
  options: {
    python: { type: 'string' },
    /** Reuse the peers' output of an earlier run (written with --save-peers) instead of running them again. */
    peers: { type: 'string' },
    'save-peers': { type: 'string' },
    seeds: { type: 'string', default: '5' },
    out: { type: 'string', default: here },
  },
});
const seeds = Array.from({ length: Number(values.seeds) }, (_, i) => i + 1);
const problem = codesignProblem();
const ref = referenceFor(problem);
const budgets = problem.budgets.map((b) => b.evaluations);
const radix = problem.space.genes.map((g) => g.choices.length);

interface Row {
  readonly method: string;
  /** Per seed, the scores at each budget. */
  readonly runs: Score[][];
  readonly seconds: number;
}
const rows: Row[] = [];

type PeerRuns = { runs: { method: string; seed: number; budget: number; order: number[]; asksAt: number[]; seconds: number }[] };

/** Runs peers.py on the sweep of llm-codesign, written by `hwnas sweep` into a scratch folder. */
function runPeers(python: string): PeerRuns {
  const dir = mkdtempSync(join(tmpdir(), 'hwnas-peers-'));
  try {
    const grid = join(dir, 'grid.csv');
    execFileSync(process.execPath, [join(root, 'bin', 'hwnas.js'), 'sweep', '--space', 'llm-codesign', '--device', 'jetson-agx-orin', '--out', grid], { stdio: 'inherit' });
    const genes = problem.space.genes;
    const args = [
      join(here, 'peers.py'),
      '--grid', grid,
      '--genes', genes.map((g) => g.name).join(','),
      '--ordinal', genes.filter((g) => g.ordinal).map((g) => g.name).join(','),
      '--objectives', 'loss:min,latencyMs:min',
      '--budget', String(budgets[budgets.length - 1]),
      '--tpe-budget', String(budgets[0]),
      '--seeds', seeds.join(','),
    ];
    return JSON.parse(execFileSync(python, args, { maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'inherit'] }).toString()) as PeerRuns;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const peers = values.peers ? (JSON.parse(readFileSync(values.peers, 'utf8')) as PeerRuns) : values.python ? runPeers(values.python) : undefined;
if (peers && values['save-peers']) writeFileSync(values['save-peers'], JSON.stringify(peers));
for (const method of [...new Set(peers?.runs.map((r) => r.method))]) {
  const mine = peers!.runs.filter((r) => r.method === method);
  // A run is scored at the budgets it was given (Optuna's TPE only at the first).
  const runs = mine.map((r) =>
    budgets
      .filter((budget) => budget <= r.budget)
      .map((budget) => {
        const rowsSeen = r.order.slice(0, budget);
        const found = rowsSeen.map((k) => problem.evaluate(gridGenes(k, radix))).filter((e) => e.violation <= 0).map((e) => e.objectives);
        return { distinct: rowsSeen.length, asks: r.asksAt[rowsSeen.length - 1] ?? 0, ...scoreFound(found, ref) };
      }),
  );
  rows.push({ method, runs, seconds: mine.reduce((a, r) => a + r.seconds, 0) / mine.length });
}

for (const strategy of QUALITY_STRATEGIES) {
  const t0 = performance.now();
  const runs = seeds.map((seed) => runStrategy(problem, strategy, seed));
  rows.push({ method: `hwnas ${strategy}`, runs, seconds: (performance.now() - t0) / 1000 / seeds.length });
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const cell = (row: Row, k: number) => {
  const at = row.runs.map((r) => r[k]);
  const short = at.filter((s) => s.distinct < budgets[k]).length;
  return { share: mean(at.map((s) => s.share)), igd: mean(at.map((s) => s.igd)), hv: mean(at.map((s) => s.hvRatio)), asks: mean(at.map((s) => s.asks / s.distinct)), short };
};
const lines = [
  `# Search against the peers: llm-codesign on Jetson AGX Orin, loss vs latency`,
  '',
  `${problem.space.size()} candidates, exact frontier of ${ref.keys.size} points (the sweep). Budgets in distinct candidates: 1% = ${budgets[0]}, 5% = ${budgets[1]}; mean of ${seeds.length} seeds (1..${seeds.length}).`,
  'Share: the share of the exact frontier found; IGD in objectives normalised to the frontier (lower is better); HV ratio to the exact frontier; asks per distinct candidate (repeats included).',
  '',
  '| method | share 1% | share 5% | IGD 5% | HV ratio 5% | asks / distinct at 5% | s per run |',
  '|---|---|---|---|---|---|---|',
];
for (const row of rows) {
  const a = cell(row, 0);
  const b = row.runs[0].length > 1 ? cell(row, 1) : undefined;
  const note = (c: ReturnType<typeof cell>) => (c.short > 0 ? ` (${c.short} of ${seeds.length} runs short of the budget)` : '');
  lines.push(
 b
      ? `| ${row.method} | ${pct(a.share)}${note(a)} | ${pct(b.share)}${note(b)} | ${b.igd.toFixed(4)} | ${b.hv.toFixed(4)} | ${b.asks.toFixed(2)} | ${row.seconds.toFixed(1)} |`
      : `| ${row.method} | ${pct(a.share)}${note(a)} | — | — | — | asks / distinct at 1%: ${a.asks.toFixed(2)} | ${row.seconds.toFixed(1)} |`,
  );
}
writeFileSync(join(values.out, 'results.md'), lines.join('\n') + '\n');
writeFileSync(join(values.out, 'results.json'), JSON.stringify({ budgets, seeds, rows }, null, 1) + '\n');
console.log(lines.join('\n'));
