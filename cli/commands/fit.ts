/**
 * `hwnas fit`: fit a loss law to a team's training runs and write it as a law file for `--loss-law`.
 */
import { parse as parseYaml } from 'yaml';
import { createRng } from '../../core/rng.js';
import { didYouMean } from '../../core/suggest.js';
import { readTextFile } from '../../hardware/shipped-files.js';
import { DataError, defaultColumnMap, filterRows, MAP_FIELDS, parseTable, tableToFitData, type ColumnMap, type Table } from '../../predictors/loss/data.js';
import type { Holdout } from '../../predictors/loss/fit.js';
import { fitLayout } from '../../predictors/loss/fit.js';
import { BUILTIN_LAW_IDS, builtinSpec, LAW_FILE_FORMAT, parseLawSpec, type LawSpec } from '../../predictors/loss/index.js';
import { defaultPenaltyColumns, pairedRunsToFitData, PENALTY_FIELDS, PENALTY_FORM, runPenaltyFit, type PenaltyField } from '../../predictors/loss/penalty-fit.js';
import { PENALTY_TENSORS } from '../../predictors/loss/precision-penalty.js';
import { GPTQ_CHECK_POINTS } from '../../predictors/loss/precision-published.js';
import type { FormInput } from '../../predictors/loss/law.js';
import { runFit, sizeInput } from '../../predictors/loss/report.js';
import { isShippedFitData, loadShippedFitTable, SHIPPED_FIT_DATA, SHIPPED_FIT_DATA_IDS } from '../../predictors/loss/shipped-data.js';
import { choiceFlag, helpText, numberFlag, parseFlags } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { checkOutput, outputLine, writeOutput } from '../output.js';

const HELP = `hwnas fit --data runs.csv|runs.json|${SHIPPED_FIT_DATA_IDS.join('|')} --law ${BUILTIN_LAW_IDS.join('|')}|<law.json|law.yaml>
          [--map mapping.json | --col-N <col> --col-D <col> --col-loss <col> --col-weight <col> --col <field>=<col> ...]
          [--where <col>=<value> ...] [--holdout kfold:5|largest:0.2[:field]|group] [--bootstrap N] [--seed S]
          [--delta 1e-3] [--residuals log|linear] [--starts K] --out law.json [--json]
hwnas fit --penalty ${PENALTY_TENSORS.join('|')} --data paired.csv [--law codesign|<law file>] --out law.json
          [--col-N <col> --col-D <col> --col <field>=<col> ...] [--where ...] [--holdout ...] [--bootstrap N] [--seed S]

Fits the law by L-BFGS from a grid of starts (Hoffmann's 4,500 for chinchilla; --starts K keeps K of them) on
the Huber loss (δ = --delta) of log residuals, summed. Fields a column can map to: ${MAP_FIELDS.join(', ')}.
Without a mapping, columns named like the fields (or N, D, loss) are used. A .gz file is read gunzipped.
Shipped data sets, with their column mapping and row filter built in:
${SHIPPED_FIT_DATA_IDS.map((id) => `  ${id.padEnd(17)} ${SHIPPED_FIT_DATA[id].source}`).join('\n')}

--penalty fits the constants (C_T, γ_D, γ_N, γ_post) of a quantisation penalty of Kumar et al.'s Eq. 2 form,
δ = C_T·D^γ_D / N^γ_N · exp(−bits/γ_post) (Scaling Laws for Precision, arXiv 2411.04330), to paired runs: per row the non-embedding parameters
N, training tokens D, the bits of the quantised tensor, and the loss before and after quantising it (columns N, D,
bits, loss_before, loss_after, or --col ${PENALTY_FIELDS.join('|')}=<column>). It writes the law --law (default
codesign) with the penalty in its precisionPenalty field: use it with --loss-law law.json. A weight penalty is
checked against the published GPTQ points.`;

function readText(path: string, flag: string): string {
  try {
    return readTextFile(path);
  } catch (error) {
    throw new UsageError(`--${flag}: cannot read '${path}' (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

function parseHoldout(value: string | undefined, inputs: readonly FormInput[]): Holdout | undefined {
  if (value === undefined) return undefined;
  if (value === 'group') return { kind: 'group' };
  const kfold = /^kfold:(\d+)$/.exec(value);
  if (kfold) {
    const k = Number(kfold[1]);
    if (k < 2) throw new UsageError(`--holdout: kfold needs k ≥ 2, got '${value}'`);
    return { kind: 'kfold', k };
  }
  const largest = /^largest:([0-9.]+)(?::([A-Za-z]+))?$/.exec(value);
  if (largest) {
    const fraction = Number(largest[1]);
    if (!(fraction > 0 && fraction < 1)) throw new UsageError(`--holdout: largest needs a fraction in (0, 1), got '${value}'`);
    const by = (largest[2] ?? sizeInput(inputs)) as FormInput;
    if (!inputs.includes(by)) throw new UsageError(`--holdout: the law does not read '${by}'; it reads ${inputs.join(', ')}`);
    return { kind: 'largest', fraction, by };
  }
  throw new UsageError(`--holdout: expected kfold:<k>, largest:<fraction>[:<field>] or group, got '${value}'`);
}

/** --map, else the shipped data set's mapping or the default one; then --col-* and --col override fields. */
function columnMap(values: { map?: string; 'col-N'?: string; 'col-D'?: string; 'col-loss'?: string; 'col-weight'?: string; col?: string[] }, header: readonly string[], base: ColumnMap | undefined): ColumnMap {
  let map: Record<string, string> = {};
  if (values.map !== undefined) {
    let raw: unknown;
    try {
      raw = JSON.parse(readText(values.map, 'map'));
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(`--map: '${values.map}' is not valid JSON`);
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new UsageError(`--map: '${values.map}': expected an object {field: column}`);
    for (const [field, col] of Object.entries(raw)) {
      if (!MAP_FIELDS.includes(field)) throw new UsageError(`--map: '${values.map}': unknown field '${field}'; fields: ${MAP_FIELDS.join(', ')}`);
      if (typeof col !== 'string') throw new UsageError(`--map: '${values.map}': field '${field}': expected a column name`);
      map[field] = col;
    }
  } else {
    map = { ...((base ?? defaultColumnMap(header)) as Record<string, string>) };
  }
  if (values['col-N'] !== undefined) map.params = values['col-N'];
  if (values['col-D'] !== undefined) map.trainingTokens = values['col-D'];
  if (values['col-loss'] !== undefined) map.loss = values['col-loss'];
  if (values['col-weight'] !== undefined) map.weight = values['col-weight'];
  for (const pair of values.col ?? []) {
    const m = /^([A-Za-z]+)=(.+)$/.exec(pair);
    if (!m || !MAP_FIELDS.includes(m[1])) throw new UsageError(`--col: expected <field>=<column> with a field among ${MAP_FIELDS.join(', ')}, got '${pair}'`);
    map[m[1]] = m[2];
  }
  return map;
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(4) : v.toPrecision(5);
}

const FLAGS = {
  data: { type: 'string', value: 'file|id', help: `training runs: a CSV or JSON file, one row per run, or a shipped data set (${SHIPPED_FIT_DATA_IDS.join(', ')}) (required)` },
  law: { type: 'string', value: 'id|file', help: `the law to fit: ${BUILTIN_LAW_IDS.join(', ')}, or a law file with a formula (required)` },
  map: { type: 'string', value: 'mapping.json', help: 'which column holds which field, as {field: column}' },
  'col-N': { type: 'string', value: 'column', help: 'the column of parameters N' },
  'col-D': { type: 'string', value: 'column', help: 'the column of training tokens D' },
  'col-loss': { type: 'string', value: 'column', help: 'the column of the loss' },
  'col-weight': { type: 'string', value: 'column', help: "the column of each run's weight in the fit" },
  col: { type: 'string', multiple: true, value: 'field=column', help: 'map any field to a column' },
  where: { type: 'string', multiple: true, value: 'column=value', help: 'keep only the rows where the column has this value' },
  holdout: { type: 'string', value: 'kfold:5|largest:0.2[:field]|group', help: 'held-out error: k-fold, the largest runs, or by group' },
  bootstrap: { type: 'string', value: 'N', help: 'bootstrap refits for confidence intervals (default 0)' },
  seed: { type: 'string', value: 'S', help: 'seed of the folds and the bootstrap (default 0)' },
  delta: { type: 'string', value: 'x', help: 'Huber threshold on the residuals (default 1e-3)' },
  starts: { type: 'string', value: 'K', help: 'keep K of the grid of starts (default: all)' },
  residuals: { type: 'string', value: 'log|linear', help: 'fit log residuals (default) or plain ones' },
  out: { type: 'string', value: 'law.json', help: 'where to write the fitted law, for --loss-law' },
  penalty: { type: 'string', value: PENALTY_TENSORS.join('|'), help: "fit a quantisation penalty of Kumar et al.'s Eq. 2 form to paired runs instead of a law" },
  json: { type: 'boolean', help: 'print the fitted law as one JSON line' },
} as const;

export const command: Command = {
  name: 'fit',
  help: () => helpText({ usage: HELP, flags: FLAGS }),
  async run(argv) {
    const { values } = parseFlags('fit', argv, FLAGS);
    if (values.penalty !== undefined) return fitPenalty(values);
    if (values.data === undefined) throw new UsageError(`hwnas fit: --data is required (a CSV or JSON file of training runs, or a shipped data set: ${SHIPPED_FIT_DATA_IDS.join(', ')})`);
    if (values.law === undefined) throw new UsageError(`hwnas fit: --law is required; one of: ${BUILTIN_LAW_IDS.join(', ')}, or a law file`);
    if (values.out === undefined && !values.json) throw new UsageError('hwnas fit: --out <law.json> is required (or --json to print the fit)');
    const output = values.out === undefined ? undefined : { flag: 'out', path: values.out };
    if (output) checkOutput(output);
    const bootstrapCount = numberFlag('bootstrap', values.bootstrap, 0, { integer: true, min: 0 });
    const seed = numberFlag('seed', values.seed, 0, { integer: true, min: 0 });
    const delta = numberFlag('delta', values.delta, 1e-3, { min: 0 });
    if (!(delta > 0)) throw new UsageError(`--delta: expected a number > 0, got '${values.delta}'`);
    const space = choiceFlag('residuals', values.residuals, ['log', 'linear'] as const, 'log');
    const maxStarts = values.starts === undefined ? undefined : numberFlag('starts', values.starts, 1, { integer: true, min: 1 });

    let spec: LawSpec;
    if (BUILTIN_LAW_IDS.includes(values.law)) spec = builtinSpec(values.law);
    else if (/\.(json|ya?ml)$/i.test(values.law)) {
      try {
        spec = parseLawSpec(readText(values.law, 'law'), values.law);
      } catch (error) {
        if (error instanceof UsageError) throw error;
        throw new UsageError(`--law: ${error instanceof Error ? error.message : String(error)}`);
      }
    } else throw new UsageError(`--law: unknown '${values.law}'${didYouMean(values.law, BUILTIN_LAW_IDS)}; valid: ${BUILTIN_LAW_IDS.join(', ')}, or a .json/.yaml law file`);

    const layout = fitLayout(spec.form);
    const holdout = parseHoldout(values.holdout, layout.inputs);
    const shipped = isShippedFitData(values.data) ? values.data : undefined;
    let report;
    try {
      const loaded: Table = shipped ? loadShippedFitTable(shipped) : parseTable(readText(values.data, 'data'), values.data);
      const table = filterRows(
        loaded,
        values.data,
        whereFilters(values.where),
      );
      const data = tableToFitData(table, values.data, columnMap(values, table.header, shipped && SHIPPED_FIT_DATA[shipped].map), layout.inputs, layout.names.length + 1);
      if (holdout?.kind === 'group' && !data.groups) throw new UsageError('--holdout group: map a column to the group field (--col group=<column>)');
      report = runFit(spec, data, createRng(seed), { fit: { delta, maxStarts, space }, bootstrapCount, holdout, dataSource: shipped ? `${shipped}: ${SHIPPED_FIT_DATA[shipped].source}` : values.data });
    } catch (error) {
      if (error instanceof DataError) throw new UsageError(error.message);
      throw error;
    }

    const written = output ? writeOutput(output, JSON.stringify(report.file, null, 2) + '\n') : undefined;
    if (values.json) {
      console.log(JSON.stringify(report.file));
      return 0;
    }
    const { fit } = report;
    console.log(`${report.spec.id}: ${report.spec.form.formula}`);
    console.log(`${fit.points} points, ${fit.starts} starts, Huber δ=${fit.delta}, objective ${fmt(fit.objective)} (${fit.status})`);
    for (const name of fit.paramNames) {
      const ci = report.bootstrap?.ci[name];
      console.log(`  ${name.padEnd(10)} ${fmt(fit.coefficients[name]).padStart(12)}${ci ? `   ${Math.round(report.bootstrap!.level * 100)}% CI [${fmt(ci[0])}, ${fmt(ci[1])}]` : ''}`);
    }
    console.log(`R² loss ${fit.r2Loss.toFixed(4)}, RMSE loss ${fmt(fit.rmseLoss)}; R² log-loss ${fit.r2LogLoss.toFixed(4)}, RMSE log-loss ${fmt(fit.rmseLogLoss)}`);
    if (report.holdout) {
      const h = report.holdout;
      console.log(`held out (${h.split}): RMSE loss ${fmt(h.rmseLoss)}, mean |error| ${(h.meanAbsRelError * 100).toFixed(2)}%, max ${(h.maxAbsRelError * 100).toFixed(2)}%`);
      for (const f of h.folds) if (f.group !== undefined) console.log(`  ${f.group}: ${f.test} points, mean |error| ${(f.meanAbsRelError * 100).toFixed(2)}%`);
    }
    if (written && values.out !== undefined) console.log(outputLine(written, values.out));
    return 0;
  },
};

/** Values of the fit command's flags. */
interface FitFlags {
  data?: string;
  law?: string;
  map?: string;
  'col-N'?: string;
  'col-D'?: string;
  'col-loss'?: string;
  'col-weight'?: string;
  col?: string[];
  where?: string[];
  holdout?: string;
  bootstrap?: string;
  seed?: string;
  delta?: string;
  starts?: string;
  residuals?: string;
  out?: string;
  penalty?: string;
  json?: boolean;
}

/** `--where col=value` filters. */
function whereFilters(where: readonly string[] | undefined): { column: string; value: string }[] {
  return (where ?? []).map((w) => {
    const m = /^([^=]+)=(.*)$/.exec(w);
    if (!m) throw new UsageError(`--where: expected <column>=<value>, got '${w}'`);
    return { column: m[1], value: m[2] };
  });
}

/**
 * The law file a penalty is added to: a built-in law (its published coefficients) or the user's law file, as
 * plain data to write back with the penalty in its precisionPenalty field.
 */
function baseLawFile(law: string): Record<string, unknown> {
  if (BUILTIN_LAW_IDS.includes(law)) {
    const spec = builtinSpec(law);
    if (!spec.coefficients) throw new UsageError(`--law: '${law}' has no published coefficients; fit it first (hwnas fit --law ${law}) and give the law file`);
    return { format: LAW_FILE_FORMAT, id: law, name: spec.name, source: spec.source, form: law, coefficients: spec.coefficients, fittedRange: spec.fittedRange };
  }
  if (!/\.(json|ya?ml)$/i.test(law)) throw new UsageError(`--law: unknown '${law}'; valid: ${BUILTIN_LAW_IDS.join(', ')}, or a .json/.yaml law file`);
  const text = readText(law, 'law');
  let spec: LawSpec;
  try {
    spec = parseLawSpec(text, law);
  } catch (error) {
    throw new UsageError(`--law: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!spec.coefficients) throw new UsageError(`--law: ${law}: the law has no coefficients; fit it first`);
  return (law.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as Record<string, unknown>;
}

/** `hwnas fit --penalty <tensor>`: a quantisation penalty from paired runs, written into a law file. */
function fitPenalty(values: FitFlags): number {
  const tensor = choiceFlag('penalty', values.penalty, PENALTY_TENSORS);
  if (values.data === undefined) throw new UsageError('hwnas fit --penalty: --data is required (a CSV or JSON file of paired runs: N, D, bits, loss_before, loss_after)');
  if (values.out === undefined && !values.json) throw new UsageError('hwnas fit --penalty: --out <law.json> is required (or --json to print the fit)');
  const output = values.out === undefined ? undefined : { flag: 'out', path: values.out };
  if (output) checkOutput(output);
  for (const flag of ['map', 'col-loss', 'col-weight', 'starts'] as const) {
    if (values[flag] !== undefined) throw new UsageError(`--${flag} does not apply to --penalty; map columns with --col-N, --col-D and --col <field>=<column> (fields: ${PENALTY_FIELDS.join(', ')})`);
  }
  const bootstrapCount = numberFlag('bootstrap', values.bootstrap, 0, { integer: true, min: 0 });
  const seed = numberFlag('seed', values.seed, 0, { integer: true, min: 0 });
  const delta = numberFlag('delta', values.delta, 1e-3, { min: 0 });
  if (!(delta > 0)) throw new UsageError(`--delta: expected a number > 0, got '${values.delta}'`);
  const space = choiceFlag('residuals', values.residuals, ['log', 'linear'] as const, 'log');
  const lawName = values.law ?? 'codesign';
  const base = baseLawFile(lawName);
  const holdout = parseHoldout(values.holdout, PENALTY_FORM.terms[0].factors.map((f) => f.input));
  let report;
  try {
    const table = filterRows(parseTable(readText(values.data, 'data'), values.data), values.data, whereFilters(values.where));
    const map: Partial<Record<PenaltyField, string>> = { ...defaultPenaltyColumns(table.header) };
    if (values['col-N'] !== undefined) map.nonEmbeddingParams = values['col-N'];
    if (values['col-D'] !== undefined) map.trainingTokens = values['col-D'];
    for (const pair of values.col ?? []) {
      const m = /^([A-Za-z]+)=(.+)$/.exec(pair);
      if (!m || !(PENALTY_FIELDS as readonly string[]).includes(m[1])) throw new UsageError(`--col: expected <field>=<column> with a field among ${PENALTY_FIELDS.join(', ')}, got '${pair}'`);
      map[m[1] as PenaltyField] = m[2];
    }
    const data = pairedRunsToFitData(table, values.data, map, space);
    if (holdout?.kind === 'group' && !data.groups) throw new UsageError('--holdout group: map a column to the group field (--col group=<column>)');
    report = runPenaltyFit(data, createRng(seed), { tensor, fit: { delta, space }, bootstrapCount, holdout, dataSource: values.data });
  } catch (error) {
    if (error instanceof DataError) throw new UsageError(error.message);
    throw error;
  }
  const { fit, penalty } = report;
  const entry = {
    ...penalty,
    fit: {
      objective: fit.objective,
      delta: fit.delta,
      points: fit.points,
      starts: fit.starts,
      status: fit.status,
      r2LogLoss: fit.r2LogLoss,
      rmseLogLoss: fit.rmseLogLoss,
      bootstrap: report.bootstrap,
      holdout: report.holdout,
      gptq: report.gptq,
      residuals: fit.residuals,
    },
  };
  const basePenalties = (base.precisionPenalty ?? {}) as Record<string, unknown>;
  const file = { ...base, precisionPenalty: { ...basePenalties, [tensor]: entry } };
  const written = output ? writeOutput(output, JSON.stringify(file, null, 2) + '\n') : undefined;
  if (values.json) {
    console.log(JSON.stringify(file));
    return 0;
  }
  console.log(`${tensor} penalty: ${PENALTY_FORM.formula}`);
  console.log(`${fit.points} paired runs, ${fit.starts} starts, Huber δ=${fit.delta}, objective ${fmt(fit.objective)} (${fit.status})`);
  for (const name of ['C_T', 'gamma_D', 'gamma_N', 'gamma_post'] as const) {
    const ci = report.bootstrap?.ci[name];
    console.log(`  ${name.padEnd(10)} ${fmt(penalty[name]).padStart(12)}${ci ? `   ${Math.round(report.bootstrap!.level * 100)}% CI [${fmt(ci[0])}, ${fmt(ci[1])}]` : ''}`);
  }
  console.log(`R² log-δ ${fit.r2LogLoss.toFixed(4)}, RMSE log-δ ${fmt(fit.rmseLogLoss)}; fitted on N ${rangeText(penalty.fittedRange.nonEmbeddingParams)}, D ${rangeText(penalty.fittedRange.trainingTokens)}, bits ${rangeText(penalty.fittedRange.bits)}`);
  if (report.holdout) console.log(`held out (${report.holdout.split}): mean |error| of δ ${(report.holdout.meanAbsRelError * 100).toFixed(1)}%, max ${(report.holdout.maxAbsRelError * 100).toFixed(1)}%`);
  if (report.gptq) {
    console.log(`check on the GPTQ points (${GPTQ_CHECK_POINTS.source}; Eq. 2 lands within about ${GPTQ_CHECK_POINTS.tolerance}x of them):`);
    for (const g of report.gptq) console.log(`  ${g.model} ${g.bits}-bit at ${(g.trainingTokens / 1e9).toFixed(0)}B tokens: measured ${g.measuredNats.toFixed(3)} nats, fitted ${g.predictedNats.toFixed(3)} (ratio ${g.ratio.toFixed(2)})${Math.abs(Math.log(g.ratio)) > Math.log(GPTQ_CHECK_POINTS.tolerance) ? '  — outside the tolerance' : ''}`);
  }
  if (written && values.out !== undefined) console.log(`${outputLine(written, values.out)}: law ${String(base.id ?? lawName)} with this ${tensor} penalty; use it with --loss-law ${values.out}`);
  return 0;
}

function rangeText(r: { min: number; max: number } | undefined): string {
  return r ? `${fmt(r.min)}–${fmt(r.max)}` : '?';
}
