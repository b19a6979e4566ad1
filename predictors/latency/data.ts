/**
 * Loading HELP's latency tables (shipped in data/latency) and user sample CSVs, validated row by row.
 * Every error names the file, the 1-based data row (header = row 0 is not counted) and the field.
 */
import { z } from 'zod';
import type { Genes } from '../../core/space.js';
import { parseFbnetArchStr } from '../../core/spaces/fbnet.js';
import { parseNb201ArchStr } from '../../core/spaces/nb201.js';
import { readTextFile, shippedDataFile } from '../../hardware/shipped-files.js';

export type LatencySpaceId = 'nb201' | 'fbnet';
export const LATENCY_SPACES: readonly LatencySpaceId[] = ['nb201', 'fbnet'];

export class LatencyDataError extends Error {
  override readonly name = 'LatencyDataError';
}

/** Measured latencies of many architectures on many devices. */
export interface LatencyTable {
  readonly space: LatencySpaceId;
  readonly file: string;
  readonly genes: readonly Genes[];
  /** The index column of the source (nb201_index or help_index), one per row. */
  readonly index: readonly number[];
  readonly devices: readonly string[];
  /** latencyMs[device][row]. */
  readonly latencyMs: Readonly<Record<string, Float64Array>>;
  /** Rows flagged is_help_reference_arch (HELP's hardware-embedding architectures), in file order. */
  readonly flaggedReferenceRows: readonly number[];
}

/** Columns that are not devices, per space. */
const NON_DEVICE_COLUMNS: Readonly<Record<LatencySpaceId, readonly string[]>> = {
  nb201: ['nb201_index', 'arch_str', 'op_e0', 'op_e1', 'op_e2', 'op_e3', 'op_e4', 'op_e5', 'is_help_reference_arch'],
  fbnet: ['help_index', 'op_idx_list', 'arch_str', ...Array.from({ length: 22 }, (_, i) => `l${i}`), 'is_help_reference_arch'],
};

const INDEX_COLUMN: Readonly<Record<LatencySpaceId, string>> = { nb201: 'nb201_index', fbnet: 'help_index' };

export function parseArchStr(space: LatencySpaceId, text: string): Genes {
  return space === 'nb201' ? parseNb201ArchStr(text) : parseFbnetArchStr(text);
}

const latencySchema = z.number({ error: 'expected a number' }).finite('expected a finite number').positive('latency must be > 0');

/** Minimal CSV: comma-separated, optional double quotes (no embedded newlines), first line = header. */
export function parseCsv(text: string, file: string): { header: string[]; rows: string[][] } {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new LatencyDataError(`${file}: empty file (expected a header line)`);
  const split = (line: string): string[] => {
    if (!line.includes('"')) return line.split(',');
    const out: string[] = [];
    let cur = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (quoted) {
        if (ch === '"' && line[i + 1] === '"') (cur += '"'), i++;
        else if (ch === '"') quoted = false;
        else cur += ch;
      } else if (ch === '"') quoted = true;
      else if (ch === ',') out.push(cur), (cur = '');
      else cur += ch;
    }
    out.push(cur);
    return out;
  };
  const header = split(lines[0]).map((h) => h.trim());
  const rows = lines.slice(1).map(split);
  rows.forEach((r, i) => {
    if (r.length !== header.length) throw new LatencyDataError(`${file}: row ${i + 1}: expected ${header.length} fields, got ${r.length}`);
  });
  return { header, rows };
}

/** HELP's table of a space as shipped with hwnas (data/latency). */
export function shippedHelpTableFile(space: LatencySpaceId): string {
  return shippedDataFile(`latency/${space}_help_latency.csv.gz`);
}

/** HELP's devices, reference architectures and split, as shipped with hwnas. */
export const SHIPPED_HELP_META_FILE = shippedDataFile('latency/help_latency_meta.json.gz');

/** Reads a data file, gzip-compressed (.gz) or not. */
function readText(file: string): string {
  try {
    return readTextFile(file);
  } catch (error) {
    throw new LatencyDataError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

function parseLatency(file: string, row: number, field: string, raw: string): number {
  const value = raw.trim() === '' ? Number.NaN : Number(raw);
  const result = latencySchema.safeParse(Number.isNaN(value) ? raw : value);
  if (!result.success) throw new LatencyDataError(`${file}: row ${row}: ${field}: ${result.error.issues[0].message}, got '${raw}'`);
  return result.data;
}

/** Loads a HELP latency table (nb201_help_latency.csv or fbnet_help_latency.csv, or either gzip-compressed). */
export function loadHelpLatencyTable(file: string, space: LatencySpaceId, text = readText(file)): LatencyTable {
  const { header, rows } = parseCsv(text, file);
  for (const need of ['arch_str', INDEX_COLUMN[space]]) {
    if (!header.includes(need)) throw new LatencyDataError(`${file}: missing column '${need}'`);
  }
  const devices = header.filter((h) => !NON_DEVICE_COLUMNS[space].includes(h));
  if (devices.length === 0) throw new LatencyDataError(`${file}: no device latency columns`);
  const col = (name: string) => header.indexOf(name);
  const archCol = col('arch_str');
  const indexCol = col(INDEX_COLUMN[space]);
  const refCol = col('is_help_reference_arch');
  const devCols = devices.map(col);
  const latencyMs: Record<string, Float64Array> = {};
  for (const d of devices) latencyMs[d] = new Float64Array(rows.length);
  const genes: Genes[] = [];
  const index: number[] = [];
  const flagged: number[] = [];
  rows.forEach((r, i) => {
    const rowNo = i + 1;
    try {
      genes.push(parseArchStr(space, r[archCol]));
    } catch (error) {
      throw new LatencyDataError(`${file}: row ${rowNo}: arch_str: ${(error as Error).message}`);
    }
    const idx = Number(r[indexCol]);
    if (!Number.isInteger(idx) || idx < 0) throw new LatencyDataError(`${file}: row ${rowNo}: ${INDEX_COLUMN[space]}: expected a non-negative integer, got '${r[indexCol]}'`);
    index.push(idx);
    if (refCol >= 0 && r[refCol].trim() === '1') flagged.push(i);
    devices.forEach((d, k) => {
      latencyMs[d][i] = parseLatency(file, rowNo, d, r[devCols[k]]);
    });
  });
  return { space, file, genes, index, devices, latencyMs, flaggedReferenceRows: flagged };
}

/** Measured samples of one device, for adaptation: columns `arch_str` and `latency_ms`. */
export interface LatencySamples {
  readonly space: LatencySpaceId;
  readonly genes: readonly Genes[];
  readonly latencyMs: Float64Array;
}

export function loadLatencySamples(file: string, space: LatencySpaceId, text = readText(file)): LatencySamples {
  const { header, rows } = parseCsv(text, file);
  for (const need of ['arch_str', 'latency_ms']) {
    if (!header.includes(need)) throw new LatencyDataError(`${file}: missing column '${need}' (expected columns arch_str, latency_ms)`);
  }
  if (rows.length === 0) throw new LatencyDataError(`${file}: no data rows`);
  const a = header.indexOf('arch_str');
  const l = header.indexOf('latency_ms');
  const genes: Genes[] = [];
  const latencyMs = new Float64Array(rows.length);
  rows.forEach((r, i) => {
    try {
      genes.push(parseArchStr(space, r[a]));
    } catch (error) {
      throw new LatencyDataError(`${file}: row ${i + 1}: arch_str: ${(error as Error).message}`);
    }
    latencyMs[i] = parseLatency(file, i + 1, 'latency_ms', r[l]);
  });
  return { space, genes, latencyMs };
}

/** The parts of help_latency_meta.json the predictor uses. */
const spaceMetaSchema = z.object({
  file: z.string(),
  devices: z.array(z.string()).min(1),
  help_hardware_embedding_reference_arch_indices: z.array(z.number().int().nonnegative()).length(10),
  help_default_split: z.object({
    meta_train: z.array(z.string()).min(1),
    meta_valid: z.array(z.string()),
    meta_test: z.array(z.string()).min(1),
  }),
});

export interface HelpSpaceMeta {
  readonly file: string;
  readonly devices: readonly string[];
  /** HELP's 10 hardware-embedding architectures, as values of the index column. */
  readonly referenceIndices: readonly number[];
  readonly split: { readonly metaTrain: readonly string[]; readonly metaValid: readonly string[]; readonly metaTest: readonly string[] };
}

const META_KEY: Readonly<Record<LatencySpaceId, string>> = { nb201: 'nasbench201', fbnet: 'fbnet' };

export function loadHelpMeta(file: string, space: LatencySpaceId): HelpSpaceMeta {
  let data: unknown;
  try {
    data = JSON.parse(readText(file));
  } catch (error) {
    if (error instanceof LatencyDataError) throw error;
    throw new LatencyDataError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  const key = META_KEY[space];
  const section = (data as Record<string, unknown> | null)?.[key];
  const result = spaceMetaSchema.safeParse(section);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new LatencyDataError(`${file}: ${[key, ...issue.path.map(String)].join('.')}: ${issue.message}`);
  }
  const m = result.data;
  return {
    file: m.file,
    devices: m.devices,
    referenceIndices: m.help_hardware_embedding_reference_arch_indices,
    split: { metaTrain: m.help_default_split.meta_train, metaValid: m.help_default_split.meta_valid, metaTest: m.help_default_split.meta_test },
  };
}

/** Rows of the table holding the given index values (e.g. HELP's reference architectures). */
export function rowsOfIndices(table: LatencyTable, indices: readonly number[]): number[] {
  const byIndex = new Map<number, number>();
  table.index.forEach((v, row) => byIndex.set(v, row));
  return indices.map((v) => {
    const row = byIndex.get(v);
    if (row === undefined) throw new LatencyDataError(`${table.file}: no row with ${INDEX_COLUMN[table.space]} ${v}`);
    return row;
  });
}
