/**
 * A study's own evaluators as configured (`evaluators:` in study.yaml, or --evaluator-command / -module / -table
 * with --metric on the command line) → evaluator specs, with the identity of their files taken now.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { SearchSpace } from '../core/space.js';
import type { SpaceRef } from './space-file.js';
import { DEFAULT_COMMAND_TIMEOUT_MS, type CommandSpec } from './evaluate/command.js';
import { filesOfCommand, hashFiles } from './evaluate/identity.js';
import { metricDeclarationSchema, parseMetricFlag, type MetricDeclaration } from './evaluate/metric-declarations.js';
import type { ModuleSpec } from './evaluate/module.js';
import type { UserEvaluatorSpec } from './evaluate/registry.js';
import { detectTableKey, loadTable, tableHeader, TableError, type TableMetric, type TableSpec } from './evaluate/table.js';

/** `max:cifar10Accuracy:%` (a table's column after '=': `max:acc:%=cifar10_test`), or the object form. */
const metricEntry = z.union([
  z.string().transform((text, ctx): TableMetric => {
    const eq = text.lastIndexOf('=');
    try {
      const decl = parseMetricFlag(eq >= 0 ? text.slice(0, eq) : text);
      return { ...decl, column: eq >= 0 ? text.slice(eq + 1) : decl.name };
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  }),
  metricDeclarationSchema.extend({ column: z.string().min(1).optional() }).transform((m): TableMetric => ({ ...m, column: m.column ?? m.name })),
]);
const metrics = z.array(metricEntry).min(1, 'declare at least one metric (name, unit, direction)');
/** Paths are made absolute now, so that a resumed study (from any directory) and a worker thread find them. */
const path = z.string().min(1).transform((p) => resolve(p));

export const userEvaluatorSchema = z.union([
  z.strictObject({ command: z.string().min(1), metrics, cwd: path.optional(), retries: z.coerce.number().int().min(0).max(100).default(0) }),
  z.strictObject({ module: path, metrics }),
  z.strictObject({ table: path, metrics, key: z.enum(['arch_str', 'genes', 'values']).optional() }),
]);

export type UserEvaluatorConfig = z.output<typeof userEvaluatorSchema>;

const declaration = (m: MetricDeclaration): MetricDeclaration => ({ name: m.name, unit: m.unit, direction: m.direction });

/** The spec of each configured evaluator. Throws an Error naming what is wrong (the caller adds where). */
export function userEvaluatorSpecs(
  entries: readonly UserEvaluatorConfig[],
  ctx: { readonly space: SearchSpace; readonly spaceRef: SpaceRef; readonly threads: number; readonly timeoutMs: number | undefined },
): UserEvaluatorSpec[] {
  return entries.map((e, i): UserEvaluatorSpec => {
    const where = `evaluators[${i}]`;
    if ('command' in e) {
      const cwd = e.cwd ?? process.cwd();
      if (!existsSync(cwd)) throw new Error(`${where}.cwd: no folder ${cwd}`);
      const spec: CommandSpec = {
        kind: 'command',
        command: e.command,
        cwd,
        space: ctx.spaceRef,
        metrics: e.metrics.map(declaration),
        timeoutMs: ctx.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
        retries: e.retries,
        concurrency: Math.max(1, ctx.threads),
        files: hashFiles(filesOfCommand(e.command, cwd)),
      };
      return spec;
    }
    if ('module' in e) {
      if (!existsSync(e.module)) throw new Error(`${where}.module: no file ${e.module}`);
      const spec: ModuleSpec = { kind: 'module', file: e.module, space: ctx.spaceRef, metrics: e.metrics.map(declaration), files: hashFiles([e.module]) };
      return spec;
    }
    let key: TableSpec['key'] | undefined = e.key;
    try {
      key ??= detectTableKey(tableHeader({ file: e.table }), ctx.space);
    } catch (error) {
      if (error instanceof TableError) throw new Error(`${where}: ${error.message}`);
      throw error;
    }
    if (!key) throw new Error(`${where}: ${e.table} has no key column: give it arch_str, genes, or one column per gene (${ctx.space.genes.map((g) => g.name).join(', ')})`);
    const spec: TableSpec = { kind: 'table', file: e.table, space: ctx.spaceRef, key, metrics: e.metrics, files: hashFiles([e.table]) };
    try {
      loadTable(spec, ctx.space);
    } catch (error) {
      if (error instanceof TableError) throw new Error(`${where}: ${error.message}`);
      throw error;
    }
    return spec;
  });
}
