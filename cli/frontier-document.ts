/**
 * The one document a study's frontier is written as, whoever writes it: `hwnas search --out`, `hwnas resume
 * --out`, `hwnas export --format json|csv`, the launcher and the live view's export key. Candidates are sorted by
 * the first objective (best first); the provenance is stated once, at the top.
 *
 * The document is streamed: one pass over the study reads the objectives (a few numbers per candidate: the
 * frontier needs them all), a second fetches the chosen candidates in the document's order and writes each as it
 * comes, so that memory does not grow with the candidates' genes, architectures and metrics (an `--all` export
 * of a study of hundreds of thousands).
 */
import { baseMetric } from '../core/objectives.js';
import { paretoIndices } from '../core/pareto.js';
import type { LlmArchitecture } from '../core/architecture.js';
import { lawOfSpec } from '../search/evaluate/analytic.js';
import type { CandidateRecord, Store } from '../search/store/index.js';
import type { StudyHead } from './report/study-data.js';
import { frontierLossSummary } from './loss-parts.js';

export const FRONTIER_FORMAT = 'hwnas-frontier/1';

export interface FrontierCandidate {
  readonly seq: number;
  readonly hash: string;
  readonly generation: number;
  readonly status: string;
  readonly isPareto: boolean;
  readonly genes: Readonly<Record<string, number | string>>;
  readonly geneIndices: readonly number[];
  readonly architecture: unknown;
  readonly metrics: Readonly<Record<string, number>>;
  readonly violation: number | null;
  readonly error: string | null;
}

/** The document less its candidates: what is stated once, at the top. */
export interface FrontierHead {
  readonly format: typeof FRONTIER_FORMAT;
  /** The unit of each metric in `candidates[].metrics` (the units are also in the names). */
  readonly units: Readonly<Record<string, string>>;
  readonly provenance: {
    readonly study: string;
    readonly status: string;
    readonly stopReason: string | null;
    readonly evaluations: number;
    readonly failed: number;
    readonly frontierSize: number;
    readonly createdAt: string;
    readonly updatedAt: string;
    readonly hwnasVersion: string;
    readonly exportedWith: string;
    /** The validated study configuration: space, device, objectives, constraints, strategy, seed, workload, budget. */
    readonly config: unknown;
    /** How candidates were priced: the evaluator with its device profile, workload, loss law and training tokens. */
    readonly evaluator: unknown;
  };
  /** What the frontier's losses are made of (precision mix, composition, range warnings), when loss is an objective. */
  readonly lossNotes?: readonly string[];
}

export interface FrontierDocument extends FrontierHead {
  readonly candidates: readonly FrontierCandidate[];
}

/** The unit a metric's values are in, read off its name. */
export function metricUnit(name: string): string {
  // A device's measurement (latencyMs@pixel7) is in its metric's unit.
  const metric = baseMetric(name);
  if (metric === 'loss') return 'nats/token';
  if (/Bytes$/.test(metric)) return 'bytes';
  if (/Ms$/.test(metric) || /MsPerToken$/.test(metric)) return 'ms';
  if (/JPerToken$/.test(metric)) return 'J/token';
  if (/J$/.test(metric)) return 'J';
  if (metric === 'tokensPerS') return 'tokens/s';
  if (metric === 'params' || metric === 'activeParams') return 'parameters';
  if (metric === 'flops') return 'FLOP';
  if (metric === 'fitsMemory' || metric === 'latencyStable') return '0 or 1';
  return '';
}

/** What the frontier's losses are made of (cli/loss-parts.ts), when loss is an objective of an LLM study. */
export function frontierLossNotes(head: StudyHead, frontierGenes: readonly (readonly number[])[]): string[] {
  const { law, lawText, trainingTokens, precisionLoss } = head.evaluator;
  if (!law || trainingTokens === null || !head.objectives.some((o) => o.metric === 'loss')) return [];
  const front = frontierGenes.map((g) => head.space.decode(g)).filter((a): a is LlmArchitecture => a.family === 'llm');
  if (front.length === 0) return [];
  return frontierLossSummary(front, lawOfSpec({ law, ...(lawText !== null ? { lawText } : {}) }), precisionLoss ? { trainingTokens, ...precisionLoss } : undefined);
}

const feasible = (status: string, violation: number | undefined, objectives: readonly number[] | undefined) =>
  status === 'done' && violation === 0 && (objectives ?? []).every(Number.isFinite);

/** Where each chosen candidate goes, worked out from the objectives alone (the first pass). */
interface Plan {
  readonly head: FrontierHead;
  /** Content hashes of the chosen candidates, in the document's order. */
  readonly order: readonly string[];
  /** Sequence numbers of the frontier's candidates. */
  readonly pareto: ReadonlySet<number>;
}

async function plan(store: Store, src: StudyHead, opts: { all?: boolean; exportedWith: string }): Promise<Plan> {
  const { study } = src;
  const m = src.objectives.length;
  const infinite = new Array<number>(m).fill(Infinity);
  const points: (readonly number[])[] = [];
  const violations: number[] = [];
  const seqs: number[] = [];
  const hashes: string[] = [];
  const ok: boolean[] = [];
  // Candidates share a few metric sets: each candidate keeps the index of its set's signature.
  const signatures = new Map<string, number>();
  const signatureOf: number[] = [];
  for await (const r of store.candidates(study.id, ['done', 'failed'])) {
    points.push(r.status === 'done' ? r.objectives! : (r.objectives ?? infinite));
    violations.push(r.status === 'done' ? (r.violation ?? Infinity) : Infinity);
    seqs.push(r.seq);
    hashes.push(r.hash);
    ok.push(feasible(r.status, r.violation, r.objectives));
    const sig = Object.keys(r.metrics ?? {}).join('\u0000');
    let k = signatures.get(sig);
    if (k === undefined) signatures.set(sig, (k = signatures.size));
    signatureOf.push(k);
  }
  const paretoIdx = paretoIndices(points, violations).filter((i) => ok[i]);
  const isPareto = new Uint8Array(points.length);
  for (const i of paretoIdx) isPareto[i] = 1;
  const chosen: number[] = [];
  for (let i = 0; i < points.length; i++) if (opts.all || isPareto[i]) chosen.push(i);
  // Best first on the first objective (objectives are stored as minimised values); failures last, ties by seq.
  const first = (i: number) => points[i][0] ?? Infinity;
  chosen.sort((a, b) => {
    const x = first(a);
    const y = first(b);
    if (x === y || (!Number.isFinite(x) && !Number.isFinite(y))) return seqs[a] - seqs[b];
    return x < y || !Number.isFinite(y) ? -1 : 1;
  });
  const sigNames = [...signatures.keys()].map((s) => (s === '' ? [] : s.split('\u0000')));
  const metricNames = new Set<string>();
  for (const k of new Set(chosen.map((i) => signatureOf[i]))) for (const n of sigNames[k]) metricNames.add(n);
  const frontierSeqs = paretoIdx.map((i) => seqs[i]).sort((a, b) => a - b);
  const genes = await store.genesBySeq(study.id, frontierSeqs);
  const lossNotes = frontierLossNotes(src, frontierSeqs.map((s) => genes.get(s)).filter((g): g is number[] => g !== undefined));
  const head: FrontierHead = {
    format: FRONTIER_FORMAT,
    units: Object.fromEntries([...metricNames].map((k) => [k, metricUnit(k)])),
    provenance: {
      study: study.name,
      status: study.status,
      stopReason: study.summary.stopReason ?? null,
      evaluations: study.evaluations,
      failed: study.failed,
      frontierSize: paretoIdx.length,
      createdAt: new Date(study.createdAt).toISOString(),
      updatedAt: new Date(study.updatedAt).toISOString(),
      hwnasVersion: study.hwnasVersion,
      exportedWith: opts.exportedWith,
      config: src.config,
      evaluator: study.evaluator ?? null,
    },
    ...(lossNotes.length > 0 ? { lossNotes } : {}),
  };
  return { head, order: chosen.map((i) => hashes[i]), pareto: new Set(paretoIdx.map((i) => seqs[i])) };
}

/** The chosen candidates in the document's order, fetched a chunk at a time (the second pass). */
async function* planned(store: Store, src: StudyHead, p: Plan): AsyncGenerator<FrontierCandidate> {
  const CHUNK = 512;
  for (let at = 0; at < p.order.length; at += CHUNK) {
    const part = p.order.slice(at, at + CHUNK);
    const found = await store.candidatesByHash(src.study.id, part);
    for (const h of part) {
      const r = found.get(h);
      if (r) yield toCandidate(src, r, p.pareto.has(r.seq));
    }
  }
}

function toCandidate(src: StudyHead, r: CandidateRecord, isPareto: boolean): FrontierCandidate {
  return {
    seq: r.seq,
    hash: r.hash,
    generation: r.generation,
    status: r.status,
    isPareto,
    genes: src.space.describe(r.genes),
    geneIndices: r.genes,
    architecture: src.space.decode(r.genes),
    metrics: r.metrics ?? {},
    violation: r.status === 'done' ? (r.violation ?? null) : null,
    error: r.error ?? null,
  };
}

/** JSON cannot hold Infinity or NaN: they are written as strings ("Infinity"). */
const finite = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v);

/**
 * The JSON document, candidate by candidate: byte for byte what JSON.stringify(document, finite, 2) gives,
 * without the whole document as one string.
 */
async function writeJson(write: (text: string) => void, head: FrontierHead, candidates: AsyncIterable<FrontierCandidate>): Promise<void> {
  const top = JSON.stringify(head, finite, 2);
  write(`${top.slice(0, -2)},\n  "candidates": [`);
  // A candidate stringified inside `{"c":[…]}` comes out indented as in the document; the wrapper is cut off.
  const open = '{\n  "c": [\n'.length;
  const close = '\n  ]\n}'.length;
  let first = true;
  for await (const c of candidates) {
    // Only metrics and the violation can be non-finite; a replacer on every key would cost as much as the rest.
    write(`${first ? '\n' : ',\n'}${JSON.stringify({ c: [c] }, hasNonFinite(c) ? finite : undefined, 2).slice(open, -close)}`);
    first = false;
  }
  write(first ? ']\n}\n' : '\n  ]\n}\n');
}

function hasNonFinite(c: FrontierCandidate): boolean {
  if (c.violation !== null && !Number.isFinite(c.violation)) return true;
  for (const k in c.metrics) if (!Number.isFinite(c.metrics[k])) return true;
  return false;
}

function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The same document as CSV: the provenance once, in `#` comment lines above the header (pandas:
 * `read_csv(path, comment='#')`), then one row per candidate with its genes and metrics in columns.
 */
async function writeCsv(write: (text: string) => void, head: FrontierHead, count: number, geneNames: readonly string[], candidates: AsyncIterable<FrontierCandidate>): Promise<void> {
  const metricNames = Object.keys(head.units).sort();
  const columns = ['seq', 'hash', 'generation', 'status', 'is_pareto', ...geneNames.map((g) => `gene_${g}`), ...metricNames, 'violation', 'error', 'architecture'];
  write(`# ${head.format}: study ${head.provenance.study}, ${count} candidates sorted by the first objective; units: ${metricNames.map((m) => `${m} ${head.units[m] || '-'}`).join(', ')}\n`);
  write(`# provenance: ${JSON.stringify(head.provenance)}\n`);
  if (head.lossNotes) for (const l of head.lossNotes) write(`# ${l}\n`);
  write(columns.join(',') + '\n');
  for await (const c of candidates) {
    const cells = [c.seq, c.hash, c.generation, c.status, c.isPareto ? 1 : 0, ...geneNames.map((g) => c.genes[g]), ...metricNames.map((m) => c.metrics[m]), c.violation, c.error, c.architecture];
    write(cells.map(csvCell).join(',') + '\n');
  }
}

/**
 * Writes a study's frontier document (or, with `all`, every evaluated candidate) through `write`, both passes
 * over one read snapshot of the study (it may still be running). Returns how many candidates it holds.
 */
export async function writeFrontierDocument(
  store: Store,
  src: StudyHead,
  opts: { format: 'json' | 'csv'; all?: boolean; exportedWith: string },
  write: (text: string) => void,
): Promise<number> {
  return store.readSnapshot(async () => {
    const p = await plan(store, src, opts);
    const candidates = planned(store, src, p);
    if (opts.format === 'json') await writeJson(write, p.head, candidates);
    else await writeCsv(write, p.head, p.order.length, src.space.genes.map((g) => g.name), candidates);
    return p.order.length;
  });
}

/** The whole document as one object (a frontier is small: search --json prints it with the outcome). */
export async function frontierDocument(store: Store, src: StudyHead, opts: { all?: boolean; exportedWith: string }): Promise<FrontierDocument> {
  return store.readSnapshot(async () => {
    const p = await plan(store, src, opts);
    const candidates: FrontierCandidate[] = [];
    for await (const c of planned(store, src, p)) candidates.push(c);
    return { ...p.head, candidates };
  });
}

/** JSON text of a document held whole. */
export async function frontierJson(doc: FrontierDocument): Promise<string> {
  const parts: string[] = [];
  const { candidates, ...head } = doc;
  await writeJson((t) => parts.push(t), head, (async function* () {
    yield* candidates;
  })());
  return parts.join('');
}
