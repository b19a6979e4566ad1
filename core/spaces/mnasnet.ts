import { MNASNET_CONV_OPS, MNASNET_SKIP_OPS, type MnasnetArchitecture, type MnasnetBlock, type MnasnetConvOp, type MnasnetSkipOp } from '../architecture.js';
import { defineGridSpace, type Gene, type Genes } from '../space.js';

/**
 * MnasNet's factorised hierarchical space (Tan et al. 2019, §4.1 and §5): 7 blocks, each choosing for all of its
 * layers a convolution (regular, depthwise separable, MBConv with expansion 3 or 6), a kernel (3, 5), a
 * squeeze-and-excitation ratio (0, 0.25), a skip (none, identity, pooled), its output filters and its number of
 * layers. The baseline is MobileNetV2 (Sandler et al. 2018, Table 2): layers per block are the baseline's + {−1, 0,
 * +1} (at least 1), filters the baseline's × a multiplier, rounded to a multiple of 8 as MnasNet's code rounds
 * every filter count (round_filters: nearest multiple, never more than 10% down).
 *
 * Filter multipliers: the paper states {0.75, 1.0, 1.25}; its own MnasNet-A1 has 112 filters in block 5, 96 × 1.17,
 * outside that set under any rounding. 1.125 is added (96 × 1.125 = 108 rounds to 112), so that the published
 * MnasNet-A1 lies in the space. Choices that round to the same count are one choice (block 1: 16, 24).
 */
export const MOBILENET_V2_BLOCKS = {
  filters: [16, 24, 32, 64, 96, 160, 320],
  layers: [1, 2, 3, 4, 3, 3, 1],
} as const;

export const MNASNET_FILTER_MULTIPLIERS = [0.75, 1.0, 1.125, 1.25] as const;
export const MNASNET_LAYER_DELTAS = [-1, 0, 1] as const;
export const MNASNET_KERNELS = [3, 5] as const;
export const MNASNET_SE_RATIOS = [0, 0.25] as const;

/** MnasNet's round_filters with divisor 8 (tensorflow/tpu models/official/mnasnet/mnasnet_model.py). */
export function roundFilters(filters: number, divisor = 8): number {
  const rounded = Math.max(divisor, Math.floor((filters + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * filters ? rounded + divisor : rounded;
}

const distinct = (values: number[]) => [...new Set(values)].sort((a, b) => a - b);

/** Output filters block i may choose. */
export function filterChoices(block: number): number[] {
  return distinct(MNASNET_FILTER_MULTIPLIERS.map((m) => roundFilters(MOBILENET_V2_BLOCKS.filters[block] * m)));
}

/** Layer counts block i may choose. */
export function layerChoices(block: number): number[] {
  return distinct(MNASNET_LAYER_DELTAS.map((d) => Math.max(1, MOBILENET_V2_BLOCKS.layers[block] + d)));
}

const FIELDS = ['conv', 'kernel', 'se', 'skip', 'filters', 'layers'] as const;
const BLOCKS = MOBILENET_V2_BLOCKS.filters.length;

const genes: Gene[] = Array.from({ length: BLOCKS }, (_, i) => {
  const p = `b${i + 1}`;
  return [
    { name: `${p}_conv`, choices: [...MNASNET_CONV_OPS], ordinal: false },
    { name: `${p}_kernel`, choices: [...MNASNET_KERNELS], ordinal: true },
    { name: `${p}_se`, choices: [...MNASNET_SE_RATIOS], ordinal: true },
    { name: `${p}_skip`, choices: [...MNASNET_SKIP_OPS], ordinal: false },
    { name: `${p}_filters`, choices: filterChoices(i), ordinal: true },
    { name: `${p}_layers`, choices: layerChoices(i), ordinal: true },
  ];
}).flat();

function blockOf(values: Record<string, number | string>, i: number): MnasnetBlock {
  const v = (f: (typeof FIELDS)[number]) => values[`b${i + 1}_${f}`];
  return {
    convOp: v('conv') as MnasnetConvOp,
    kernel: v('kernel') as number,
    seRatio: v('se') as number,
    skip: v('skip') as MnasnetSkipOp,
    filters: v('filters') as number,
    layers: v('layers') as number,
  };
}

export const mnasnetSpace = defineGridSpace<MnasnetArchitecture>({
  id: 'mnasnet',
  description: "MnasNet's factorised hierarchical space: 7 blocks × (conv/dconv/MBConv3/MBConv6, kernel 3/5, SE 0/0.25, skip none/identity/pool, filters, layers) around MobileNetV2's block structure, 224×224, ImageNet head",
  genes,
  decode: (values) => ({ family: 'mnasnet', blocks: Array.from({ length: BLOCKS }, (_, i) => blockOf(values, i)) }),
});

/** Genes of an architecture of the space; throws naming the block and field a choice is missing for. */
export function mnasnetGenes(arch: MnasnetArchitecture): Genes {
  if (arch.blocks.length !== BLOCKS) throw new Error(`mnasnet: expected ${BLOCKS} blocks, got ${arch.blocks.length}`);
  const out: number[] = [];
  arch.blocks.forEach((b, i) => {
    const values: Record<(typeof FIELDS)[number], number | string> = { conv: b.convOp, kernel: b.kernel, se: b.seRatio, skip: b.skip, filters: b.filters, layers: b.layers };
    for (const f of FIELDS) {
      const gene = genes[i * FIELDS.length + FIELDS.indexOf(f)];
      const k = gene.choices.indexOf(values[f]);
      if (k < 0) throw new Error(`mnasnet: block ${i + 1}: ${f} ${String(values[f])} is not in the space (choices: ${gene.choices.join(', ')})`);
      out.push(k);
    }
  });
  return out;
}

const block = (convOp: MnasnetConvOp, kernel: number, seRatio: number, skip: MnasnetSkipOp, filters: number, layers: number): MnasnetBlock => ({ convOp, kernel, seRatio, skip, filters, layers });

/**
 * Published networks of the space.
 * - MobileNetV2 1.0 (Sandler et al. 2018, Table 2): a depthwise-separable first block, then MBConv6 k3 blocks
 *   with identity residuals; 300M multiply-adds, 3.4M parameters (the paper's Table 4).
 * - MnasNet-A1 (Tan et al. 2019, Figure 7; block strings of tensorflow/tpu mnasnet_models.py mnasnet_a1):
 *   312M multiply-adds, 3.9M parameters (the paper's Table 1).
 * ReLU throughout (MobileNetV2 uses ReLU6: the same counts).
 */
export const MNASNET_PRESETS: Readonly<Record<string, MnasnetArchitecture>> = {
  'mobilenetv2': {
    family: 'mnasnet',
    name: 'MobileNetV2 1.0 (224)',
    blocks: [
      block('dconv', 3, 0, 'identity', 16, 1),
      block('mbconv6', 3, 0, 'identity', 24, 2),
      block('mbconv6', 3, 0, 'identity', 32, 3),
      block('mbconv6', 3, 0, 'identity', 64, 4),
      block('mbconv6', 3, 0, 'identity', 96, 3),
      block('mbconv6', 3, 0, 'identity', 160, 3),
      block('mbconv6', 3, 0, 'identity', 320, 1),
    ],
  },
  'mnasnet-a1': {
    family: 'mnasnet',
    name: 'MnasNet-A1 (224)',
    blocks: [
      block('dconv', 3, 0, 'none', 16, 1),
      block('mbconv6', 3, 0, 'identity', 24, 2),
      block('mbconv3', 5, 0.25, 'identity', 40, 3),
      block('mbconv6', 3, 0, 'identity', 80, 4),
      block('mbconv6', 3, 0.25, 'identity', 112, 2),
      block('mbconv6', 5, 0.25, 'identity', 160, 3),
      block('mbconv6', 3, 0, 'identity', 320, 1),
    ],
  },
};
