/** Numeric formats a tensor class can be stored or computed in. */
export const PRECISIONS = ['fp32', 'bf16', 'fp16', 'int8', 'int4'] as const;
export type Precision = (typeof PRECISIONS)[number];

/** Storage size of one element. int4 packs two elements per byte. */
export const BYTES_PER_ELEMENT: Readonly<Record<Precision, number>> = {
  fp32: 4,
  bf16: 2,
  fp16: 2,
  int8: 1,
  int4: 0.5,
};

/**
 * The precision a matmul runs in: the wider of weights and activations.
 * Weight-only quantisation (W4A16, W8A16) still computes in fp16; W8A8 computes in int8.
 */
export function computePrecision(weights: Precision, activations: Precision): Precision {
  return BYTES_PER_ELEMENT[weights] >= BYTES_PER_ELEMENT[activations] ? weights : activations;
}

export function isPrecision(value: string): value is Precision {
  return (PRECISIONS as readonly string[]).includes(value);
}
