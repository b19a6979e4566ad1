import type { SearchSpace } from '../space.js';
import { fbnetSpace } from './fbnet.js';
import { llmCodesignSpace } from './llm-codesign.js';
import { llmCodesignMixedSpace } from './llm-codesign-mixed.js';
import { llmHybridSpace } from './llm-hybrid.js';
import { llmLocalSpace } from './llm-local.js';
import { mnasnetSpace } from './mnasnet.js';
import { nb201Space } from './nb201.js';

/** Every built-in search space by id. */
export const SPACES: Readonly<Record<string, SearchSpace>> = {
  'llm-codesign': llmCodesignSpace,
  'llm-codesign-mixed': llmCodesignMixedSpace,
  'llm-hybrid': llmHybridSpace,
  'llm-local': llmLocalSpace,
  nb201: nb201Space,
  fbnet: fbnetSpace,
  mnasnet: mnasnetSpace,
};

/** The space with this id, or an Error listing the valid ids. */
export function getSpace(id: string): SearchSpace {
  const space = SPACES[id];
  if (!space) throw new Error(`unknown search space '${id}'; valid: ${Object.keys(SPACES).join(', ')}`);
  return space;
}
