/**
 * The candidate as a user's evaluator sees it (a command on stdin, a module as its argument): plain JSON with the
 * genes, their values by name, the decoded architecture, the NAS-Bench-201/FBNet string of a CNN cell and, for
 * LLM candidates, the transformers config.json that `hwnas export --format hf` writes.
 */
import type { Architecture } from '../../core/architecture.js';
import { toHfConfig } from '../../core/hf-config.js';
import type { Genes, SearchSpace } from '../../core/space.js';
import { formatFbnetArchStr } from '../../core/spaces/fbnet.js';
import { formatNb201ArchStr } from '../../core/spaces/nb201.js';

export interface CandidateDocument {
  readonly space: string;
  readonly genes: readonly number[];
  /** Gene values by gene name (e.g. { depth: 24, width: 896 }). */
  readonly values: Readonly<Record<string, number | string>>;
  readonly architecture: Architecture;
  /** `|nor_conv_3x3~0|+|...|` for nb201, the 22 block names joined by '|' for fbnet: the keys of the published tables. */
  readonly archStr?: string;
  /** transformers config.json for LLM candidates (absent when transformers has no model class for it). */
  readonly hfConfig?: Readonly<Record<string, unknown>>;
}

/** The string key of a CNN architecture in NAS-Bench-201's and HELP's tables (of a split one, of its model); undefined for LLMs. */
export function archStrOf(arch: Architecture): string | undefined {
  if (arch.family === 'partitioned') return archStrOf(arch.model);
  if (arch.family === 'nb201') return formatNb201ArchStr(arch);
  if (arch.family === 'fbnet') return formatFbnetArchStr(arch);
  return undefined;
}

export function candidateDocument(space: SearchSpace, genes: Genes, architecture: Architecture): CandidateDocument {
  const doc: { -readonly [K in keyof CandidateDocument]: CandidateDocument[K] } = { space: space.id, genes: [...genes], values: space.describe(genes), architecture };
  const archStr = archStrOf(architecture);
  if (archStr !== undefined) doc.archStr = archStr;
  // A split study's candidate (search --devices) is its model and its cuts: the model is what is trained.
  const model = architecture.family === 'partitioned' ? architecture.model : architecture;
  if (model.family === 'llm') {
    try {
      doc.hfConfig = toHfConfig(model) as Record<string, unknown>;
    } catch {
      // A mixer or MLP transformers cannot express (e.g. Mamba layers): the architecture itself is there.
    }
  }
  return doc;
}
