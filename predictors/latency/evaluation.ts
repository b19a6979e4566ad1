/**
 * Evaluation on HELP's protocol: each test device has measured some architectures (default: the 10 hardware-embedding
 * architectures; measurements.ts draws other counts); every other architecture of the table is scored.
 * Methods: the predictor as `adapt` uses it by default ('predictor': its rule at this count), each adaptation method
 * forced ('meta-learned', 'ridge-only', 'ridge-prior'), and baselines on the same measurements: FLOPs proxy, pure
 * roofline proxy, most similar source device (chosen by the measurements) and a plain MLP trained on them.
 */
import type { LatencyTable } from './data.js';
import { selectRows, type PreparedFeatures } from './features.js';
import { referenceLatencies } from './measurements.js';
import { adapt, predictMs, type HelpModel } from './model.js';
import { trainPlainMlp } from './plain-mlp.js';
import { ruleFor, type AdaptMethod } from './selection.js';
import { fitLine, mape, pearson, spearman, withinShare } from './stats.js';

export const METHODS = ['predictor', 'meta-learned', 'ridge-only', 'ridge-prior', 'flops', 'roofline', 'most-similar-device', 'plain-mlp'] as const;
export type Method = (typeof METHODS)[number];

/** Measurements the most-similar-device baseline needs to correlate devices at all. */
const MIN_SIMILARITY_SAMPLES = 3;

export interface SetScore {
  readonly spearman: number;
  readonly mapePct: number;
  /** Share of predictions within ±10% of the measurement. */
  readonly within10: number;
}

export interface DeviceScore extends SetScore {
  readonly method: Method;
  readonly device: string;
  readonly measurements: number;
  /** For most-similar-device: the source device chosen; for predictor: the adaptation method its rule chose. */
  readonly chosen?: string;
  /** The same predictions scored on HELP's own query set of the device (helpQueryRows), when asked for. */
  readonly helpQuery?: SetScore;
}

/**
 * HELP's meta-test query set (HELP repository, loader.py with parser.py's defaults num_meta_train_sample = 900,
 * num_query = 1000, remove_outlier): the architectures with index 900–1899, less the 10% slowest and 10% fastest
 * on the device — 800 architectures. HELP's published ρ is over this set, not over the whole table.
 */
export const HELP_QUERY = { first: 900, count: 1000, trim: 0.1 } as const;

export function helpQueryRows(table: LatencyTable, device: string): number[] {
  const lat = table.latencyMs[device];
  if (!lat) throw new Error(`unknown device '${device}'`);
  const rows = table.index.map((v, row) => ({ v, row })).filter(({ v }) => v >= HELP_QUERY.first && v < HELP_QUERY.first + HELP_QUERY.count).map(({ row }) => row);
  // Stable order by latency, as HELP's argsort, then drop both tails.
  const sorted = rows.map((row) => ({ row, ms: lat[row] })).sort((a, b) => a.ms - b.ms || a.row - b.row);
  return sorted.slice(Math.floor(rows.length * HELP_QUERY.trim), Math.floor(rows.length * (1 - HELP_QUERY.trim))).map((x) => x.row);
}

/** Rows HELP draws its extra adaptation samples from (indices below the query set: loader.py's meta-train pool). */
export function helpSamplePool(table: LatencyTable): number[] {
  return table.index.map((v, row) => ({ v, row })).filter(({ v }) => v < HELP_QUERY.first).map(({ row }) => row);
}

function setScore(predicted: ArrayLike<number>, actual: ArrayLike<number>): SetScore {
  return { spearman: spearman(predicted, actual), mapePct: mape(predicted, actual), within10: withinShare(predicted, actual, 0.1) };
}

export interface EvaluateInput {
  readonly table: LatencyTable;
  readonly features: PreparedFeatures;
  readonly referenceRows: readonly number[];
  readonly testDevices: readonly string[];
  /** Devices the most-similar baseline may choose from (meta-train ∪ meta-valid). */
  readonly sourceDevices: readonly string[];
  readonly model?: HelpModel;
  readonly methods?: readonly Method[];
  readonly seed: number;
  /** Rows measured on a device (default: the reference architectures). */
  readonly measured?: (device: string) => readonly number[];
  /** Plain-MLP baseline training. */
  readonly plainSteps?: number;
  /** Also score each device on HELP's query set (helpQueryRows; measured architectures excluded). */
  readonly helpQuery?: boolean;
}

export function evaluateDevices(input: EvaluateInput): DeviceScore[] {
  const { table, features, referenceRows } = input;
  const methods = input.methods ?? METHODS;
  const width = features.inputSize;
  const out: DeviceScore[] = [];
  for (const device of input.testDevices) {
    const lat = table.latencyMs[device];
    if (!lat) throw new Error(`unknown device '${device}'`);
    const measured = input.measured?.(device) ?? referenceRows;
    const n = measured.length;
    const measuredSet = new Set(measured);
    const testRows = Array.from({ length: table.genes.length }, (_, i) => i).filter((i) => !measuredSet.has(i));
    const position = new Map(testRows.map((r, i) => [r, i]));
    // Positions in testRows of HELP's query set, to score the same predictions on it.
    const queryAt = input.helpQuery ? helpQueryRows(table, device).filter((r) => position.has(r)).map((r) => position.get(r)!) : [];
    const actual = testRows.map((r) => lat[r]);
    const score = (method: Method, predicted: ArrayLike<number>, chosen?: string): DeviceScore => ({
      method,
      device,
      measurements: n,
      ...setScore(predicted, actual),
      ...(chosen ? { chosen } : {}),
      ...(input.helpQuery ? { helpQuery: setScore(queryAt.map((i) => predicted[i]), queryAt.map((i) => actual[i])) } : {}),
    });
    const measuredLat = measured.map((r) => lat[r]);
    const xMeasured = selectRows(features.x, width, measured);
    const refLat = referenceLatencies(referenceRows, measured, lat);
    let xTest: Float32Array | undefined;
    const testX = () => (xTest ??= selectRows(features.x, width, testRows));
    const adapted = new Map<AdaptMethod, Float64Array>();
    const predictWith = (method: AdaptMethod) => {
      if (!adapted.has(method)) adapted.set(method, predictMs(adapt(input.model!, { device, referenceLatencyMs: refLat, x: xMeasured, latencyMs: measuredLat, method }), testX()));
      return adapted.get(method)!;
    };
    // Proxies: rank by the proxy; latency in ms from a line fitted on the measurements — through the origin when one
    // measurement cannot fix a line or a few give a falling one (which would reverse the proxy's ranking).
    const proxy = (method: Method, values: (r: number) => number) => {
      const fitted = n >= 2 ? fitLine(measured.map(values), measuredLat) : { a: 0, b: 0 };
      const sum = (f: (r: number) => number) => measured.reduce((s, r) => s + f(r), 0);
      const line = fitted.a > 0 ? fitted : { a: sum((r) => lat[r]) / sum(values), b: 0 };
      out.push(score(method, testRows.map((r) => line.a * values(r) + line.b)));
    };
    for (const method of methods) {
      if (method === 'predictor' && input.model) {
        const choice = ruleFor(input.model.meta.rule, n).method;
        out.push(score(method, predictWith(choice), choice));
      } else if ((method === 'meta-learned' || method === 'ridge-only' || method === 'ridge-prior') && input.model) out.push(score(method, predictWith(method)));
      else if (method === 'flops') proxy(method, (r) => features.roofline[r].flops);
      else if (method === 'roofline') proxy(method, (r) => features.roofline[r].rooflineS);
      else if (method === 'most-similar-device' && n >= MIN_SIMILARITY_SAMPLES) {
        // Choose by Pearson correlation of log latencies on the measurements; map with a line in log space.
        let best = { device: '', r: -Infinity };
        for (const src of input.sourceDevices) {
          const s = table.latencyMs[src];
          const r = pearson(measured.map((i) => Math.log(s[i])), measuredLat.map(Math.log));
          if (r > best.r) best = { device: src, r };
        }
        const s = table.latencyMs[best.device];
        const line = fitLine(measured.map((i) => Math.log(s[i])), measuredLat.map(Math.log));
        out.push(score(method, testRows.map((r) => Math.exp(line.a * Math.log(s[r]) + line.b)), best.device));
      } else if (method === 'plain-mlp') {
        const predict = trainPlainMlp(width, xMeasured, measuredLat, refLat, { seed: input.seed, steps: input.plainSteps ?? 300, lr: 1e-3 });
        out.push(score(method, predict(testX())));
      }
    }
  }
  return out;
}
