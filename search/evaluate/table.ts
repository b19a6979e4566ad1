/**
 * The table evaluator: metrics looked up in a CSV (gzip-compressed or not), one row per architecture, keyed by
 * - `arch_str`: the NAS-Bench-201 / HELP string of a CNN cell (the shipped NAS-Bench-201 accuracy and HELP
 *   latency tables are read this way);
 * - `genes`: the gene indices, separated by '.', ',', '-' or spaces;
 * - `values`: one column per gene, named like the gene, holding its value (e.g. depth,width,accuracy).
 * A candidate missing from the table fails with that reason; the study goes on.
 */
import type { Architecture } from '../../core/architecture.js';
import type { Genes, SearchSpace } from '../../core/space.js';
import { readTextFile, shippedDataFile } from '../../hardware/shipped-files.js';
import { parseCsv } from '../../predictors/loss/data.js';
import { resolveSpace, type SpaceRef } from '../space-file.js';
import { archStrOf } from './candidate-document.js';
import type { EvaluationResult, Evaluator } from './evaluator.js';
import type { FileHashes } from './identity.js';
import type { MetricDeclaration } from './metric-declarations.js';

export type TableKey = 'arch_str' | 'genes' | 'values';

export interface TableMetric extends MetricDeclaration {
  /** The CSV column holding it. */
  readonly column: string;
}

export interface TableSpec {
  readonly kind: 'table';
  /** A CSV path, or a file under the package's data/ when `shipped`. */
  readonly file: string;
  readonly shipped?: boolean;
  readonly space: SpaceRef;
  readonly key: TableKey;
  readonly metrics: readonly TableMetric[];
  /** SHA-256 of a user's table when the study began (identity.ts); empty for shipped tables. */
  readonly files: FileHashes;
}

export class TableError extends Error {
  override readonly name = 'TableError';
}

export function tablePath(spec: Pick<TableSpec, 'file' | 'shipped'>): string {
  return spec.shipped ? shippedDataFile(spec.file) : spec.file;
}

/** The key column(s) a table has for a space: arch_str, else genes, else a column per gene; undefined if none. */
export function detectTableKey(header: readonly string[], space: SearchSpace): TableKey | undefined {
  if (header.includes('arch_str')) return 'arch_str';
  if (header.includes('genes')) return 'genes';
  if (space.genes.every((g) => header.includes(g.name))) return 'values';
  return undefined;
}

const genesKey = (genes: readonly number[]) => genes.join('.');

/** The column names of a table (its first line). */
export function tableHeader(spec: Pick<TableSpec, 'file' | 'shipped'>): string[] {
  const path = tablePath(spec);
  let text: string;
  try {
    text = readTextFile(path);
  } catch (error) {
    throw new TableError(`${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const end = text.indexOf('\n');
  return [...parseCsv(end < 0 ? text : text.slice(0, end), path).header];
}

/** Rows by key: each row's metric values in the order of `metrics`. */
export interface LoadedTable {
  readonly rows: ReadonlyMap<string, Float64Array>;
  readonly header: readonly string[];
}

const loaded = new Map<string, LoadedTable>();

/** Reads and checks the table (every metric cell a finite number, no key twice); cached per process. */
export function loadTable(spec: Pick<TableSpec, 'file' | 'shipped' | 'key' | 'metrics' | 'space'>, space: SearchSpace): LoadedTable {
  const path = tablePath(spec);
  const cacheKey = JSON.stringify([path, spec.key, spec.metrics.map((m) => m.column), space.id]);
  const hit = loaded.get(cacheKey);
  if (hit) return hit;
  let text: string;
  try {
    text = readTextFile(path);
  } catch (error) {
    throw new TableError(`${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let table;
  try {
    table = parseCsv(text, path);
  } catch (error) {
    throw new TableError((error as Error).message);
  }
  const col = (name: string, what: string) => {
    const c = table.header.indexOf(name);
    if (c < 0) throw new TableError(`${path}: no column '${name}' (${what}); columns: ${table.header.join(', ')}`);
    return c;
  };
  const metricCols = spec.metrics.map((m) => col(m.column, `metric ${m.name}`));
  const keyOf = (() => {
    if (spec.key === 'arch_str') {
      const c = col('arch_str', 'the key');
      return (r: readonly string[]) => r[c].trim();
    }
    if (spec.key === 'genes') {
      const c = col('genes', 'the key');
      return (r: readonly string[]) => genesKey(r[c].trim().split(/[\s.,-]+/).map(Number));
    }
    const cols = space.genes.map((g) => col(g.name, `gene ${g.name}, the key`));
    return (r: readonly string[]) => JSON.stringify(cols.map((c) => r[c].trim()));
  })();
  const rows = new Map<string, Float64Array>();
  table.rows.forEach((r, i) => {
    const values = new Float64Array(metricCols.length);
    metricCols.forEach((c, k) => {
      const v = r[c].trim() === '' ? Number.NaN : Number(r[c]);
      if (!Number.isFinite(v)) throw new TableError(`${path}: ${table.labels[i]}, column '${table.header[c]}' (${spec.metrics[k].name}): expected a number, got '${r[c]}'`);
      values[k] = v;
    });
    const key = keyOf(r);
    if (rows.has(key)) throw new TableError(`${path}: ${table.labels[i]}: the key ${key} appears twice`);
    rows.set(key, values);
  });
  const result = { rows, header: table.header };
  loaded.set(cacheKey, result);
  return result;
}

export function createTableEvaluator(spec: TableSpec): Evaluator {
  const space = resolveSpace(spec.space);
  const { rows } = loadTable(spec, space);
  const keyOf = (arch: Architecture, genes: Genes | undefined): string | undefined => {
    if (spec.key === 'arch_str') return archStrOf(arch);
    if (!genes) return undefined;
    // A split study's genes end with its cut genes (search --devices): the table keys the space's own.
    if (spec.key === 'genes') return genesKey(genes.slice(0, space.genes.length));
    const values = space.describe(genes);
    return JSON.stringify(space.genes.map((g) => String(values[g.name])));
  };
  return {
    id: `table(${spec.file})`,
    async evaluate(architectures, genes): Promise<EvaluationResult[]> {
      return architectures.map((arch, i) => {
        const key = keyOf(arch, genes?.[i]);
        const row = key === undefined ? undefined : rows.get(key);
        if (!row) return { ok: false, error: key === undefined ? `no ${spec.key} key for a ${arch.family} candidate` : `not in ${spec.file} (${spec.key} ${key})` };
        const metrics: Record<string, number> = {};
        spec.metrics.forEach((m, k) => (metrics[m.name] = row[k]));
        return { ok: true, metrics };
      });
    },
  };
}
