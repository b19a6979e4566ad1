/**
 * Strategy overhead per candidate: ask + tell with a trivial synthetic evaluation (two conflicting objectives and
 * one constraint computed from the genes in well under a microsecond), on a grid space of llm-codesign's shape
 * (7 genes, ~10^5 candidates). Target from the issue: NSGA-II with population 100 ≤ 20 µs per candidate.
 */
import { NB201_OPS, type Nb201Architecture } from '../core/architecture.js';
import { defineGridSpace, type Genes } from '../core/space.js';
import { STRATEGIES } from '../search/strategies/index.js';
import type { Evaluated } from '../search/strategy.js';
import type { BenchResult } from './types.js';

const sizes = [8, 8, 6, 5, 6, 8, 3];
const space = defineGridSpace({
  id: 'bench-grid',
  description: 'a grid of the size and shape of llm-codesign',
  genes: sizes.map((n, i) => ({ name: `g${i}`, choices: Array.from({ length: n }, (_, k) => k), ordinal: i < 6 })),
  decode: (_v, g): Nb201Architecture => ({ family: 'nb201', edges: g.slice(0, 6).map((x) => NB201_OPS[x % 5]) }),
});

/** A synthetic loss/latency trade-off: size lowers loss and raises latency; a budget makes part of it infeasible. */
function evaluate(genes: Genes): Evaluated {
  let size = 0;
  for (let i = 0; i < genes.length; i++) size += (genes[i] + 1) * (i + 1);
  const loss = 4 / Math.sqrt(size) + 0.01 * genes[6];
  const latencyMs = size * (1 + 0.1 * genes[6]);
  return { genes, objectives: [loss, latencyMs], violation: Math.max(0, (latencyMs - 150) / 150), metrics: { loss, latencyMs } };
}

/**
 * µs per candidate: the best of `repeats` runs, in process CPU time (user + system, so GC threads count): the
 * machine is shared, and wall time mostly measures the other processes.
 */
function measure(id: string, options: Record<string, unknown>, candidates: number, batch: number, repeats = 5): number {
  const factory = STRATEGIES[id];
  const run = (count: number): number => {
    const strategy = factory.create({ space, objectiveCount: 2, seed: 1, options });
    let done = 0;
    const start = process.cpuUsage();
    while (done < count && !strategy.done()) {
      const asked = strategy.ask(Math.min(batch, count - done));
      if (asked.length === 0) break;
      strategy.tell(asked.map(evaluate));
      done += asked.length;
    }
    const used = process.cpuUsage(start);
    return (used.user + used.system) / Math.max(done, 1);
  };
  run(candidates); // warm-up: JIT
  let best = Infinity;
  for (let r = 0; r < repeats; r++) best = Math.min(best, run(candidates));
  return best;
}

/** Cost of one checkpoint as a study takes it: state() and a JSON round trip, per generation (mean over later generations). */
function checkpointCost(id: string, options: Record<string, unknown>, generations: number, batch: number): number {
  const strategy = STRATEGIES[id].create({ space, objectiveCount: 2, seed: 1, options });
  let total = 0;
  let counted = 0;
  for (let g = 0; g < generations; g++) {
    strategy.tell(strategy.ask(batch).map(evaluate));
    const start = process.cpuUsage();
    for (let k = 0; k < 10; k++) JSON.parse(JSON.stringify(strategy.state()));
    const used = process.cpuUsage(start);
    // Later generations only (after JIT warm-up); ten checkpoints each, for CPU-time resolution.
    if (g >= generations / 2) {
      total += (used.user + used.system) / 10;
      counted++;
    }
  }
  return total / counted;
}

export async function run(): Promise<BenchResult[]> {
  const n = 5_000;
  const cases: [string, string, Record<string, unknown>, number][] = [
    ['nsga2 (population 100)', 'nsga2', { populationSize: 100 }, 100],
    ['aging (P 50, S 10)', 'aging', {}, 100],
    ['mnas (aging controller)', 'mnas', { target: 150 }, 100],
    ['anneal (8 chains)', 'anneal', {}, 8],
    ['random', 'random', {}, 100],
    ['exhaustive', 'exhaustive', {}, 100],
  ];
  const out: BenchResult[] = [];
  for (const [name, id, options, batch] of cases) {
    out.push({ name: `${name}: ask + tell per candidate`, value: measure(id, options, n, batch), unit: 'µs' });
  }
  out.push({ name: 'nsga2 (population 100): state() + JSON round trip per generation', value: checkpointCost('nsga2', { populationSize: 100 }, 50, 100), unit: 'µs' });
  return out;
}
