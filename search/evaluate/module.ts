/**
 * The module evaluator: a JS or TS file of the user's exporting `evaluate(candidate)` (one candidate document in,
 * an object of metrics out, sync or async) and optionally `setup()`, called once per thread before the first
 * candidate. It runs wherever the study evaluates: in-process, or rebuilt from this spec in every worker thread.
 * A TypeScript file is loaded through tsx, which hwnas depends on anyway.
 */
import { pathToFileURL } from 'node:url';
import type { Architecture } from '../../core/architecture.js';
import type { Genes, SearchSpace } from '../../core/space.js';
import { resolveSpace, type SpaceRef } from '../space-file.js';
import { candidateDocument, type CandidateDocument } from './candidate-document.js';
import type { EvaluationResult, Evaluator } from './evaluator.js';
import type { FileHashes } from './identity.js';
import { metricsFromOutput, type MetricDeclaration } from './metric-declarations.js';

export interface ModuleSpec {
  readonly kind: 'module';
  /** Absolute path of the module. */
  readonly file: string;
  readonly space: SpaceRef;
  readonly metrics: readonly MetricDeclaration[];
  /** SHA-256 of the module file when the study began (identity.ts). */
  readonly files: FileHashes;
}

/** What the user's module exports. */
export interface EvaluatorModule {
  evaluate(candidate: CandidateDocument): unknown;
  setup?(): unknown;
}

const TS = /\.(c|m)?tsx?$/;

/** Imports the user's file: plainly when this process already runs TypeScript (tsx) or the file is JS, else via tsx. */
async function importModule(file: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href;
  if (!TS.test(file) || import.meta.url.endsWith('.ts')) {
    try {
      return (await import(url)) as Record<string, unknown>;
    } catch (error) {
      // A worker thread under tsx loads through tsx's require hook; import() of .ts fails there (registry.ts).
      if ((error as { code?: string }).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
    }
  }
  const { tsImport } = await import('tsx/esm/api');
  return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
}

export async function loadEvaluatorModule(file: string): Promise<EvaluatorModule> {
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(file);
  } catch (error) {
    throw new Error(`${file}: cannot load the evaluator module: ${(error as Error).message.split('\n')[0]}`);
  }
  // A CommonJS or transpiled module may put its exports under `default`.
  const exports = (typeof mod.evaluate === 'function' ? mod : (mod.default as Record<string, unknown> | undefined)) ?? {};
  if (typeof exports.evaluate !== 'function') throw new Error(`${file}: exports no function 'evaluate(candidate)'; exports: ${Object.keys(mod).join(', ') || 'nothing'}`);
  if (exports.setup !== undefined && typeof exports.setup !== 'function') throw new Error(`${file}: 'setup' is exported but is not a function`);
  return exports as unknown as EvaluatorModule;
}

export async function createModuleEvaluator(spec: ModuleSpec): Promise<Evaluator> {
  const space: SearchSpace = resolveSpace(spec.space);
  const mod = await loadEvaluatorModule(spec.file);
  await mod.setup?.();
  return {
    id: `module(${spec.file})`,
    async evaluate(architectures: readonly Architecture[], genes?: readonly Genes[]): Promise<EvaluationResult[]> {
      if (!genes || genes.length !== architectures.length) throw new Error('the module evaluator needs the genes of every candidate');
      const out: EvaluationResult[] = [];
      for (let i = 0; i < architectures.length; i++) {
        try {
          const read = metricsFromOutput(await mod.evaluate(candidateDocument(space, genes[i], architectures[i])), spec.metrics);
          out.push('error' in read ? { ok: false, error: read.error } : { ok: true, metrics: read.metrics });
        } catch (error) {
          out.push({ ok: false, error: error instanceof Error ? error.message : String(error) });
        }
      }
      return out;
    },
  };
}
