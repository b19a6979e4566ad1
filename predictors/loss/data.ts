/**
 * Training records for fitting: CSV or JSON text → FitData, with every bad cell named by row and column.
 *
 * The CSV reader is a small RFC 4180 parser written here (quoted fields, doubled quotes, CRLF, a BOM): the
 * records are plain numeric tables and this keeps the dependency list short.
 */
import type { FitData } from './fit.js';
import type { FormInput, InputName } from './law.js';
import { INPUT_NAMES } from './law.js';

/** A data problem, already phrased for the user (file, row, column). */
export class DataError extends Error {
  override readonly name = 'DataError';
}

export interface Table {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Label of each row for messages: the CSV line number, or the JSON record index. */
  readonly labels: readonly string[];
  /** Numeric row ids for residuals (CSV line number or JSON index). */
  readonly rowIds: readonly number[];
}

/** Parse CSV text. Errors name the file and line. */
export function parseCsv(text: string, where: string): Table {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const records: string[][] = [];
  const lines: number[] = [];
  let field = '';
  let record: string[] = [];
  let inQuotes = false;
  let line = 1;
  let recordLine = 1;
  let fieldStarted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"' && !fieldStarted) {
      inQuotes = true;
      fieldStarted = true;
    } else if (ch === ',') {
      record.push(field);
      field = '';
      fieldStarted = false;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      if (!(record.length === 1 && record[0].trim() === '')) {
        records.push(record);
        lines.push(recordLine);
      }
      record = [];
      field = '';
      fieldStarted = false;
      line++;
      recordLine = line;
    } else {
      field += ch;
      fieldStarted = true;
    }
  }
  if (inQuotes) throw new DataError(`${where}: line ${recordLine}: unterminated quoted field`);
  if (fieldStarted || record.length > 0) {
    record.push(field);
    records.push(record);
    lines.push(recordLine);
  }
  if (records.length === 0) throw new DataError(`${where}: empty file`);
  const header = records[0].map((h) => h.trim());
  const rows = records.slice(1);
  rows.forEach((r, i) => {
    if (r.length !== header.length) throw new DataError(`${where}: line ${lines[i + 1]}: ${r.length} fields, the header has ${header.length}`);
  });
  return { header, rows, labels: lines.slice(1).map((l) => `line ${l}`), rowIds: lines.slice(1) };
}

/** JSON records: an array of objects, or { "records": [...] }. */
export function parseJsonRecords(text: string, where: string): Table {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new DataError(`${where}: not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const list = Array.isArray(raw) ? raw : (raw as { records?: unknown } | null)?.records;
  if (!Array.isArray(list)) throw new DataError(`${where}: expected an array of records or {"records": [...]}`);
  const header: string[] = [];
  list.forEach((r, i) => {
    if (r === null || typeof r !== 'object' || Array.isArray(r)) throw new DataError(`${where}: record ${i}: expected an object`);
    for (const k of Object.keys(r)) if (!header.includes(k)) header.push(k);
  });
  const rows = list.map((r) => header.map((h) => {
    const v = (r as Record<string, unknown>)[h];
    return v === undefined || v === null ? '' : String(v);
  }));
  return { header, rows, labels: list.map((_, i) => `record ${i}`), rowIds: list.map((_, i) => i) };
}

/** JSON when the file's name ends in .json (or .json.gz), else CSV. */
export function parseTable(text: string, where: string): Table {
  return /\.json(\.gz)?$/i.test(where) ? parseJsonRecords(text, where) : parseCsv(text, where);
}

/** What each FitData field is read from: LossInputs names, plus `loss`, `weight` and `group` (a data-set label). */
export type ColumnMap = Readonly<Partial<Record<InputName | 'loss' | 'weight' | 'group', string>>>;

export const MAP_FIELDS: readonly string[] = [...INPUT_NAMES, 'loss', 'weight', 'group'];

/** Default mapping: columns named like the fields, or N / D / loss. */
export function defaultColumnMap(header: readonly string[]): ColumnMap {
  const map: Partial<Record<string, string>> = {};
  for (const f of MAP_FIELDS) if (header.includes(f)) map[f] = f;
  if (!map.params && header.includes('N')) map.params = 'N';
  if (!map.trainingTokens && header.includes('D')) map.trainingTokens = 'D';
  return map as ColumnMap;
}

/** Keep the rows where every `column=value` filter matches (string equality after trimming). */
export function filterRows(table: Table, where: string, filters: readonly { column: string; value: string }[]): Table {
  if (filters.length === 0) return table;
  const cols = filters.map((f) => {
    const c = table.header.indexOf(f.column);
    if (c < 0) throw new DataError(`${where}: --where: no column '${f.column}'; columns: ${table.header.join(', ')}`);
    return c;
  });
  const keep = table.rows.map((r) => filters.every((f, i) => r[cols[i]].trim() === f.value));
  return {
    header: table.header,
    rows: table.rows.filter((_, i) => keep[i]),
    labels: table.labels.filter((_, i) => keep[i]),
    rowIds: table.rowIds.filter((_, i) => keep[i]),
  };
}

/**
 * Build FitData with the inputs a law needs. Every needed field must be mapped to a column (activeParams falls
 * back to params: a dense model uses all its parameters); every cell must be a finite number > 0 (weights ≥ 0).
 * `minPoints` is the least number of rows that can determine the law (its parameter count + 1).
 */
export function tableToFitData(table: Table, where: string, map: ColumnMap, needed: readonly FormInput[], minPoints: number): FitData {
  const resolved: Partial<Record<string, string>> = { ...map };
  if (needed.includes('activeParams') && !resolved.activeParams && resolved.params) resolved.activeParams = resolved.params;
  if (needed.includes('activeNonEmbeddingParams') && !resolved.activeNonEmbeddingParams && resolved.nonEmbeddingParams) {
    resolved.activeNonEmbeddingParams = resolved.nonEmbeddingParams;
  }
  const fields: string[] = [...needed, 'loss'];
  if (resolved.weight) fields.push('weight');
  const columnOf = (field: string): number => {
    const col = resolved[field];
    if (!col) {
      const hint = field === 'activeParams' ? ' (or params)' : '';
      throw new DataError(`${where}: no column mapped to '${field}'${hint}, which the law needs; columns: ${table.header.join(', ')}`);
    }
    const c = table.header.indexOf(col);
    if (c < 0) throw new DataError(`${where}: no column '${col}' (mapped to '${field}'); columns: ${table.header.join(', ')}`);
    return c;
  };
  const n = table.rows.length;
  if (n < minPoints) throw new DataError(`${where}: ${n} data rows; the law has ${minPoints - 1} parameters and needs at least ${minPoints}`);
  const columns: Record<string, Float64Array> = {};
  for (const field of fields) {
    const c = columnOf(field);
    const out = new Float64Array(n);
    const colName = table.header[c];
    table.rows.forEach((r, i) => {
      const text = r[c].trim();
      const v = text === '' ? NaN : Number(text);
      const ok = field === 'weight' ? Number.isFinite(v) && v >= 0 : Number.isFinite(v) && v > 0;
      if (!ok) {
        const what = field === 'weight' ? 'a finite number ≥ 0' : 'a finite number > 0';
        throw new DataError(`${where}: ${table.labels[i]}, column '${colName}' (${field}): expected ${what}, got '${r[c]}'`);
      }
      out[i] = v;
    });
    columns[field] = out;
  }
  let groups: string[] | undefined;
  if (resolved.group) {
    const c = columnOf('group');
    groups = table.rows.map((r, i) => {
      const g = r[c].trim();
      if (g === '') throw new DataError(`${where}: ${table.labels[i]}, column '${table.header[c]}' (group): empty`);
      return g;
    });
  }
  const inputs: Partial<Record<FormInput, Float64Array>> = {};
  for (const name of needed) inputs[name] = columns[name];
  checkVariation(where, columns.loss, needed, inputs);
  return { inputs, loss: columns.loss, weight: columns.weight, rows: table.rowIds, groups };
}

/** The single value of a column, or undefined when it varies. */
function constantOf(values: Float64Array): number | undefined {
  for (let i = 1; i < values.length; i++) if (values[i] !== values[0]) return undefined;
  return values[0];
}

/**
 * Data a law cannot be fitted to: a loss that never changes (every exponent fits it, R² is undefined), or runs
 * that all have the same sizes (the law's terms in them cannot be told apart from its constant).
 */
function checkVariation(where: string, loss: Float64Array, needed: readonly FormInput[], inputs: Partial<Record<FormInput, Float64Array>>): void {
  const flat = constantOf(loss);
  if (flat !== undefined) throw new DataError(`${where}: the loss is ${flat} in every run: nothing to fit`);
  const fixed = needed.map((name) => [name, constantOf(inputs[name]!)] as const);
  if (needed.length > 0 && fixed.every(([, v]) => v !== undefined)) {
    const list = fixed.map(([name, v]) => `${name} (${v})`).join(' and ');
    throw new DataError(`${where}: every run has the same ${list}: a law of them cannot be fitted`);
  }
}
