import { FBNET_BLOCKS, type FbnetArchitecture, type FbnetBlock } from '../architecture.js';
import { defineGridSpace, type Genes, type Gene } from '../space.js';

export const FBNET_LAYERS = 22;

const genes: Gene[] = Array.from({ length: FBNET_LAYERS }, (_, i) => ({
  name: `l${i}`,
  choices: [...FBNET_BLOCKS],
  ordinal: false,
}));

/** FBNet: 22 searchable layers, each one of 9 blocks (HELP codes 0..8): 9^22 ≈ 9.8e20 networks. */
export const fbnetSpace = defineGridSpace<FbnetArchitecture>({
  id: 'fbnet',
  description: 'FBNet (22 layers × 9 blocks; stages [1,4,4,4,4,4,1], channels [16,24,32,64,112,184,352])',
  genes,
  decode: (_values, g) => ({ family: 'fbnet', blocks: g.map((i) => FBNET_BLOCKS[i]) }),
});

/** `k5_e6|skip|...` — HELP's arch_str for FBNet: the 22 block names joined by '|'. */
export function formatFbnetArchStr(arch: FbnetArchitecture | Genes): string {
  const blocks = Array.isArray(arch) ? (arch as Genes).map((i) => FBNET_BLOCKS[i]) : (arch as FbnetArchitecture).blocks;
  if (blocks.length !== FBNET_LAYERS) throw new Error(`fbnet: expected ${FBNET_LAYERS} layers, got ${blocks.length}`);
  return blocks.join('|');
}

/** Parses HELP's FBNet arch_str into genes; throws with the reason on bad input. */
export function parseFbnetArchStr(text: string): Genes {
  const parts = text.trim().split('|');
  if (parts.length !== FBNET_LAYERS) throw new Error(`expected ${FBNET_LAYERS} blocks separated by '|', got ${parts.length}`);
  return parts.map((name, i) => {
    const code = (FBNET_BLOCKS as readonly string[]).indexOf(name);
    if (code < 0) throw new Error(`layer ${i}: unknown block '${name}' (valid: ${FBNET_BLOCKS.join(', ')})`);
    return code;
  });
}

/** `7-8-1-...` — HELP's op_idx_list: the 22 block codes joined by '-'. */
export function parseFbnetOpIdxList(text: string): Genes {
  const parts = text.trim().split('-');
  if (parts.length !== FBNET_LAYERS) throw new Error(`expected ${FBNET_LAYERS} codes separated by '-', got ${parts.length}`);
  return parts.map((p, i) => {
    const code = Number(p);
    if (!Number.isInteger(code) || code < 0 || code >= FBNET_BLOCKS.length) throw new Error(`layer ${i}: bad block code '${p}'`);
    return code;
  });
}

export function fbnetGenes(arch: FbnetArchitecture): Genes {
  return arch.blocks.map((b: FbnetBlock) => FBNET_BLOCKS.indexOf(b));
}
