import { NB201_OPS, type Nb201Architecture, type Nb201Op } from '../architecture.js';
import { defineGridSpace, type Genes, type Gene } from '../space.js';

/** Edges of the NAS-Bench-201 cell as (to, from), in the order of the HELP data columns op_e0..op_e5. */
export const NB201_EDGES: readonly (readonly [number, number])[] = [
  [1, 0],
  [2, 0],
  [2, 1],
  [3, 0],
  [3, 1],
  [3, 2],
];

const genes: Gene[] = NB201_EDGES.map(([to, from]) => ({
  name: `edge_${to}_${from}`,
  choices: [...NB201_OPS],
  ordinal: false,
}));

/** NAS-Bench-201: 6 edges × 5 operations = 15,625 cells; gene i = edge i with HELP's op codes 0..4. */
export const nb201Space = defineGridSpace<Nb201Architecture>({
  id: 'nb201',
  description: 'NAS-Bench-201 cell (6 edges × 5 ops, 15,625 cells) in the CIFAR network: 3 stages × 5 cells at 16/32/64 channels',
  genes,
  decode: (_values, g) => ({ family: 'nb201', edges: g.map((i) => NB201_OPS[i]) }),
});

/** `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|` — the string form used by NAS-Bench-201 and HELP. */
export function formatNb201ArchStr(arch: Nb201Architecture | Genes): string {
  const ops = isGenes(arch) ? arch.map((i) => NB201_OPS[i]) : arch.edges;
  if (ops.length !== 6) throw new Error(`nb201: expected 6 edges, got ${ops.length}`);
  const node = (to: number) =>
    '|' +
    NB201_EDGES.map((e, i) => [e, i] as const)
      .filter(([[t]]) => t === to)
      .map(([[, from], i]) => `${ops[i]}~${from}`)
      .join('|') +
    '|';
  return [node(1), node(2), node(3)].join('+');
}

/** Parses a NAS-Bench-201 arch string into genes (op codes per edge); throws with the reason on bad input. */
export function parseNb201ArchStr(text: string): Genes {
  const nodes = text.trim().split('+');
  if (nodes.length !== 3) throw new Error(`expected 3 nodes separated by '+', got ${nodes.length}`);
  const g = new Array<number>(6).fill(-1);
  nodes.forEach((node, n) => {
    const to = n + 1;
    if (!node.startsWith('|') || !node.endsWith('|')) throw new Error(`node ${to}: expected '|op~k|...|', got '${node}'`);
    const parts = node.slice(1, -1).split('|');
    if (parts.length !== to) throw new Error(`node ${to}: expected ${to} inputs, got ${parts.length}`);
    parts.forEach((part, from) => {
      const [op, src] = part.split('~');
      const code = (NB201_OPS as readonly string[]).indexOf(op);
      if (code < 0) throw new Error(`node ${to}: unknown operation '${op}' (valid: ${NB201_OPS.join(', ')})`);
      if (src !== String(from)) throw new Error(`node ${to}: expected input ~${from}, got '${part}'`);
      const edge = NB201_EDGES.findIndex(([t, f]) => t === to && f === from);
      g[edge] = code;
    });
  });
  return g;
}

/** Genes of a decoded architecture. */
export function nb201Genes(arch: Nb201Architecture): Genes {
  return arch.edges.map((op: Nb201Op) => NB201_OPS.indexOf(op));
}

function isGenes(x: Nb201Architecture | Genes): x is Genes {
  return Array.isArray(x);
}
