/**
 * Evaluation on HELP's protocol: for each meta-test device, the 10 hardware-embedding architectures are the only
 * measurements (hardware embedding and adaptation samples); every other architecture of the table is scored.
 * Baselines on the same split: FLOPs proxy, pure roofline proxy, most similar source device (chosen by the 10
 * samples) and a plain MLP trained on the 10 samples.
 */
import type { LatencyTable } from './data.js';
import { adapt, predictMs, trainPlainMlp, type HelpModel, type PreparedFeatures } from './model.js';
import { deviceNormalisation, denormaliseLatency, normaliseLatency } from './normalise.js';
import { applyRidge, fitRidge } from './ridge.js';
import { fitLine, mape, pearson, spearman, withinShare } from './stats.js';

export const METHODS = ['help-meta-sgd', 'ridge-only', 'flops', 'roofline', 'most-similar-device', 'plain-mlp'] as const;
export type Method = (typeof METHODS)[number];

export interface SetScore {
  readonly spearman: number;
  readonly mapePct: number;
  /** Share of predictions within ±10% of the measurement. */
  readonly within10: number;
}

export interface DeviceScore extends SetScore {
  readonly method: Method;
  readonly device: string;
  /** For most-similar-device: the source device chosen. */
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

function setScore(predicted: ArrayLike<number>, actual: ArrayLike<number>): SetScore {
  return { spearman: spearman(predicted, actual), mapePct: mape(predicted, actual), within10: withinShare(predicted, actual, 0.1) };
}

function rowsX(features: PreparedFeatures, rows: readonly number[]): Float32Array {
  const k = features.inputSize;
  const out = new Float32Array(rows.length * k);
  rows.forEach((r, i) => out.set(features.x.subarray(r * k, (r + 1) * k), i * k));
  return out;
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
  readonly ridgeLambda?: number;
  /** Plain-MLP baseline training. */
  readonly plainSteps?: number;
  /** Also score each device on HELP's query set (helpQueryRows; reference architectures excluded). */
  readonly helpQuery?: boolean;
}

export function evaluateDevices(input: EvaluateInput): DeviceScore[] {
  const { table, features, referenceRows } = input;
  const methods = input.methods ?? METHODS;
  const refSet = new Set(referenceRows);
  const testRows = Array.from({ length: table.genes.length }, (_, i) => i).filter((i) => !refSet.has(i));
  const xTest = rowsX(features, testRows);
  const xRef = rowsX(features, referenceRows);
  const position = new Map(testRows.map((r, i) => [r, i]));
  const out: DeviceScore[] = [];
  for (const device of input.testDevices) {
    const lat = table.latencyMs[device];
    if (!lat) throw new Error(`unknown device '${device}'`);
    // Positions in testRows of HELP's query set, to score the same predictions on it.
    const queryAt = input.helpQuery ? helpQueryRows(table, device).filter((r) => position.has(r)).map((r) => position.get(r)!) : [];
    const score = (method: Method, device: string, predicted: ArrayLike<number>, actual: ArrayLike<number>, chosen?: string): DeviceScore => ({
      method,
      device,
      ...setScore(predicted, actual),
      ...(chosen ? { chosen } : {}),
      ...(input.helpQuery ? { helpQuery: setScore(queryAt.map((i) => predicted[i]), queryAt.map((i) => actual[i])) } : {}),
    });
    const refLat = referenceRows.map((r) => lat[r]);
    const actual = testRows.map((r) => lat[r]);
    // Proxies: rank by the proxy; latency in ms from a line fitted on the 10 samples.
    const proxy = (method: Method, values: (r: number) => number) => {
      const line = fitLine(referenceRows.map(values), refLat);
      out.push(score(method, device, testRows.map((r) => line.a * values(r) + line.b), actual));
    };
    for (const method of methods) {
      if (method === 'help-meta-sgd') {
        if (!input.model) continue;
        const adapted = adapt(input.model, { device, referenceLatencyMs: refLat, x: xRef, latencyMs: refLat });
        out.push(score(method, device, predictMs(adapted, xTest), actual));
      } else if (method === 'ridge-only') {
        // Ablation: the closed-form head alone, without the meta-learned network.
        const norm = deviceNormalisation(refLat);
        const w = fitRidge(table.space, xRef, features.inputSize, refLat.map((v) => normaliseLatency(v, norm)), input.ridgeLambda ?? input.model?.meta.config.ridgeLambda ?? 0.1);
        out.push(score(method, device, Array.from(applyRidge(table.space, xTest, features.inputSize, w), (z) => denormaliseLatency(z, norm)), actual));
      } else if (method === 'flops') proxy(method, (r) => features.roofline[r].flops);
      else if (method === 'roofline') proxy(method, (r) => features.roofline[r].rooflineS);
      else if (method === 'most-similar-device') {
        // Choose by Pearson correlation of log latencies on the 10 samples; map with a line in log space.
        let best = { device: '', r: -Infinity };
        for (const src of input.sourceDevices) {
          const s = table.latencyMs[src];
          const r = pearson(referenceRows.map((i) => Math.log(s[i])), refLat.map(Math.log));
          if (r > best.r) best = { device: src, r };
        }
        const s = table.latencyMs[best.device];
        const line = fitLine(referenceRows.map((i) => Math.log(s[i])), refLat.map(Math.log));
        out.push(score(method, device, testRows.map((r) => Math.exp(line.a * Math.log(s[r]) + line.b)), actual, best.device));
      } else if (method === 'plain-mlp') {
        const predict = trainPlainMlp(features.inputSize, xRef, refLat, refLat, { seed: input.seed, steps: input.plainSteps ?? 300, lr: 1e-3 });
        out.push(score(method, device, predict(xTest), actual));
      }
    }
  }
  return out;
}
