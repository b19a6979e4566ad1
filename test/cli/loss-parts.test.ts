import { describe, expect, it } from 'vitest';
import { frontierLossSummary, lossPartsLines, lossPartsText } from '../../cli/loss-parts.js';
import type { LlmArchitecture } from '../../core/architecture.js';
import { PRESETS } from '../../core/presets.js';
import { llmCodesignMixedSpace } from '../../core/spaces/llm-codesign-mixed.js';
import { getLaw } from '../../predictors/loss/index.js';
import { lossParts, lossWarnings } from '../../predictors/loss/loss-parts.js';

const quantised = (a: LlmArchitecture, p: Partial<LlmArchitecture['precision']>): LlmArchitecture => ({ ...a, precision: { ...a.precision, ...p } });

describe('the loss, shown in parts', () => {
  it('one line: total = base + quantisation + training precision, at D tokens', () => {
    expect(lossPartsText({ loss: 3.5, baseLoss: 3.4, quantPenalty: 0.075, trainingPrecisionPenalty: 0.025, trainingTokens: 1e11 })).toBe(
      '3.5000 nats/token = base 3.4000 + quantisation 0.0750 + training precision 0.0250, at 100B training tokens',
    );
    // A study priced before precision cost loss has no parts, and says so.
    expect(lossPartsText({ loss: 3.5 }, 1e10)).toBe('3.5000 nats/token (law only: precision not priced), at 10B training tokens');
  });

  it('in detail: each quantised class, what is not modelled, and the warnings', () => {
    const law = getLaw('codesign');
    const arch = quantised(PRESETS['qwen2.5-0.5b'], { mlpWeights: 'int4', kvCache: 'int8' });
    const options = { trainingTokens: 1e12 };
    const parts = lossParts(law, arch, options);
    const lines = lossPartsLines(parts, lossWarnings(law, arch, options));
    expect(lines[0]).toMatch(/^\d\.\d{4} nats\/token = base 3\.4754 \+ quantisation 0\.\d{4} \+ training precision 0\.0000, at 1T training tokens, trained in bf16$/);
    expect(lines).toContain(`  quantisation: MLP weights int4 +${parts.terms[0].nats.toFixed(4)}`);
    expect(lines.some((l) => l.startsWith('  not modelled: KV cache int8 (no published constants'))).toBe(true);
    expect(lines.some((l) => l.startsWith('  warning: codesign: trainingTokens=1.000e+12 is above the fitted range'))).toBe(true);
  });

  it('over a frontier: the precision mix per class, and each warning once with how many points it concerns', () => {
    const front = [llmCodesignMixedSpace.decode([0, 0, 0, 0, 0, 2, 2, 0, 1]), llmCodesignMixedSpace.decode([2, 3, 1, 1, 2, 1, 2, 2, 0])];
    const lines = frontierLossSummary(front, getLaw('codesign'), { trainingTokens: 1e10 });
    expect(lines[0]).toBe('frontier precisions: attention int4 1, int8 1; MLP int4 2; embeddings fp16 1, int4 1; KV cache int8 1, fp16 1');
    expect(lines[1]).toMatch(/^loss = base \(codesign law\) \+ quantisation penalty \+ training-precision penalty, at 10B training tokens/);
    expect(lines).toContain('not modelled: KV cache int8 (no published constants: supply precisionPenalty.kvCache in a law file, or fit with hwnas fit --penalty)');
    // N = 8,657,664 (4 layers × 768, dense r 0.5) and 1,420,482,048 (12 × 1536, 8 experts): one below, one above.
    expect(lines.filter((l) => l.startsWith('warning:'))).toEqual([
      'warning: weight quantisation penalty: nonEmbeddingParams below the fitted range [3.000e+7, 2.200e+8] on 1 of 2 frontier points (8.658e+6)',
      'warning: weight quantisation penalty: nonEmbeddingParams above the fitted range [3.000e+7, 2.200e+8] on 1 of 2 frontier points (1.420e+9)',
    ]);
    // Without precision priced (an old study): the law alone, said so.
    expect(frontierLossSummary(front, getLaw('codesign'), undefined)[1]).toBe('loss: the codesign law alone (this study was priced before precision cost loss)');
  });
});
