import { describe, expect, it } from 'vitest';
import type { LlmArchitecture } from '../../../core/architecture.js';
import { countParams } from '../../../core/params.js';
import { PRESETS } from '../../../core/presets.js';
import { PAPER_WORKLOAD } from '../../../core/workload.js';
import { getDevice } from '../../../hardware/devices.js';
import { BUILTIN_LAWS, getLaw, lossInputs, parseLawSpec, lawFromSpec } from '../../../predictors/loss/index.js';
import { lossParts, lossWarnings } from '../../../predictors/loss/loss-parts.js';
import { effectiveParamsFactor, ptqPenalty, publishedWeightPenalty, trainingPrecisionPenalty } from '../../../predictors/loss/precision-penalty.js';
import { GPTQ_CHECK_POINTS, KUMAR_PRECISION_LAW } from '../../../predictors/loss/precision-published.js';
import { analyticMetrics, DEFAULT_PRECISION_LOSS, type AnalyticSpec } from '../../../search/evaluate/analytic.js';

const withPrecision = (arch: LlmArchitecture, p: Partial<LlmArchitecture['precision']>): LlmArchitecture => ({ ...arch, precision: { ...arch.precision, ...p } });

describe("Kumar et al.'s post-training penalty (Eq. 2, papers.md §5)", () => {
  const w = publishedWeightPenalty();

  it('N = 30M, D = 26B: 0.19 / 0.035 / 0.006 / 0.001 nats at 3 / 4 / 5 / 6 bits (papers.md)', () => {
    // ln δ(3) = ln 0.0598 + 0.5068·ln 2.6e10 − 0.3439·ln 3e7 − 3/0.5907 = −2.8168 + 12.1538 − 5.9208 − 5.0787 = −1.6626
    expect(ptqPenalty(w, 30e6, 26e9, 3)).toBeCloseTo(Math.exp(-1.6626), 4);
    expect(ptqPenalty(w, 30e6, 26e9, 3)).toBeCloseTo(0.19, 2);
    expect(ptqPenalty(w, 30e6, 26e9, 4)).toBeCloseTo(0.035, 3);
    expect(ptqPenalty(w, 30e6, 26e9, 5)).toBeCloseTo(0.006, 3);
    expect(ptqPenalty(w, 30e6, 26e9, 6)).toBeCloseTo(0.001, 3);
  });

  it('grows with training tokens and shrinks with parameters, by the published exponents', () => {
    expect(ptqPenalty(w, 30e6, 2 * 26e9, 4) / ptqPenalty(w, 30e6, 26e9, 4)).toBeCloseTo(2 ** 0.5068, 12);
    expect(ptqPenalty(w, 60e6, 26e9, 4) / ptqPenalty(w, 30e6, 26e9, 4)).toBeCloseTo(2 ** -0.3439, 12);
  });

  it("the other reading of b (inside the exponential) multiplies every penalty by e^1.1277 ≈ 3.09", () => {
    const b = publishedWeightPenalty('exponent');
    expect(ptqPenalty(b, 30e6, 26e9, 4) / ptqPenalty(w, 30e6, 26e9, 4)).toBeCloseTo(3.0885, 4);
  });

  it('reproduces the GPTQ points within the stated 2.5x, under either reading of b', () => {
    // OPT's tokens are bracketed (180–300B); the prediction at the bracket's geometric centre is checked.
    const checked = GPTQ_CHECK_POINTS.points.filter((p) => p.trainingTokens !== null);
    expect(checked).toHaveLength(5);
    for (const reading of ['none', 'exponent'] as const) {
      const c = publishedWeightPenalty(reading);
      for (const p of checked) {
        const D = Math.sqrt(p.trainingTokens!.min * p.trainingTokens!.max);
        const measured = Math.log(p.quantisedPerplexity / p.fp16Perplexity);
        const ratio = ptqPenalty(c, p.nonEmbeddingParams, D, p.bits) / measured;
        expect(ratio, `${p.model} ${p.bits}-bit, b ${reading}`).toBeGreaterThan(1 / GPTQ_CHECK_POINTS.tolerance);
        expect(ratio, `${p.model} ${p.bits}-bit, b ${reading}`).toBeLessThan(GPTQ_CHECK_POINTS.tolerance);
      }
    }
    // OPT-125M 4-bit: Δ = ln(31.12 / 27.65) = 0.118 nats, as papers.md quotes.
    expect(Math.log(31.12 / 27.65)).toBeCloseTo(0.118, 3);
  });
});

describe('training precision (Eqs. 3–4)', () => {
  it('N_eff / N at 8 and 16 bits, by hand', () => {
    // 8 bits: (1 − e^(−8/2.6745 + 0.3037))·(1 − e^(−8/2.2102 + 1.4072))·(1 − e^(−8/0.9578 + 2.4185))
    //       = (1 − 0.068030)·(1 − 0.109448)·(1 − 0.002649) = 0.82776
    expect(effectiveParamsFactor(8, 8, 8)).toBeCloseTo(0.82776, 5);
    // 16 bits: (1 − e^−5.6787)·(1 − e^−5.8320)·(1 − e^−14.287) = 0.99366
    expect(effectiveParamsFactor(16, 16, 16)).toBeCloseTo(0.99366, 5);
  });

  it('int8 training of a 100M model costs A·((N·0.82776)^−α − (N·0.99366)^−α) = 0.0437 nats; none at 16 bits', () => {
    // A·N^−α = 4299·1e8^−0.4965 = 0.45852; ×0.82776^−0.4965 = 0.50369, ×0.99366^−0.4965 = 0.45996.
    expect(trainingPrecisionPenalty(1e8, 8)).toBeCloseTo(0.0437, 4);
    expect(trainingPrecisionPenalty(1e8, 16)).toBe(0);
    expect(trainingPrecisionPenalty(1e8, 32)).toBe(0);
    expect(trainingPrecisionPenalty(1e8, 4)).toBeGreaterThan(trainingPrecisionPenalty(1e8, 8));
  });
});

describe('lossParts: the law plus what precision costs', () => {
  const llama = PRESETS['llama-3.2-1b'];
  const codesign = getLaw('codesign');
  const D = 10e9;
  const options = { trainingTokens: D };

  it('fp16 and bf16 losses are the law alone, for every built-in law (today’s losses)', () => {
    for (const law of Object.values(BUILTIN_LAWS)) {
      for (const p of ['fp16', 'bf16', 'fp32'] as const) {
        const arch = withPrecision(llama, { weights: p, activations: p, kvCache: p });
        const parts = lossParts(law, arch, options);
        expect(parts.loss, `${law.id} ${p}`).toBe(law.predict(lossInputs(arch, D)));
        expect(parts.quantPenalty + parts.trainingPrecisionPenalty).toBe(0);
        expect(parts.notModelled).toEqual([]);
      }
    }
    // The figure: analyze --model llama-3.2-1b --device rtx-4090 gives 3.3306 with the co-design law.
    expect(lossParts(codesign, llama, options).loss).toBeCloseTo(3.3306, 4);
  });

  it('the evaluator prices fp16 exactly as before, and an old spec (no precisionLoss) as the law alone', () => {
    const spec: AnalyticSpec = { kind: 'analytic', device: getDevice('rtx-4090'), workload: PAPER_WORKLOAD, mode: 'roofline', law: 'codesign', trainingTokens: D, precisionLoss: DEFAULT_PRECISION_LOSS };
    expect(analyticMetrics(llama, spec, codesign).loss).toBe(codesign.predict(lossInputs(llama, D)));
    const int4 = withPrecision(llama, { weights: 'int4' });
    const { precisionLoss, ...old } = spec;
    expect(precisionLoss).toBeDefined();
    expect(analyticMetrics(int4, old, codesign)).not.toHaveProperty('baseLoss');
    expect(analyticMetrics(int4, old, codesign).loss).toBe(codesign.predict(lossInputs(int4, D)));
    const m = analyticMetrics(int4, spec, codesign);
    expect(m.loss).toBeCloseTo(m.baseLoss + m.quantPenalty + m.trainingPrecisionPenalty, 12);
    expect(m.quantPenalty).toBeGreaterThan(0);
    expect(m.trainingTokens).toBe(D);
  });

  it('blocks at one precision (embeddings kept 16-bit) pay Eq. 2 exactly; quantised embeddings pay N_emb / N more', () => {
    const params = countParams(llama);
    const N = params.nonEmbedding;
    const eq2 = ptqPenalty(publishedWeightPenalty(), N, D, 4);
    const blocks = lossParts(codesign, withPrecision(llama, { weights: 'int4', embeddingWeights: 'fp16' }), options);
    expect(blocks.quantPenalty).toBeCloseTo(eq2, 12);
    const all = lossParts(codesign, withPrecision(llama, { weights: 'int4' }), options);
    expect(all.quantPenalty).toBeCloseTo(eq2 * (1 + params.embedding / N), 12);
    // Per class: MLP at int4, attention at int8, embeddings fp16.
    const mixed = lossParts(codesign, withPrecision(llama, { weights: 'fp16', mlpWeights: 'int4', attentionWeights: 'int8' }), options);
    const c = publishedWeightPenalty();
    expect(mixed.quantPenalty).toBeCloseTo((params.byClass.mlp / N) * ptqPenalty(c, N, D, 4) + (params.byClass.attention / N) * ptqPenalty(c, N, D, 8), 12);
    expect(mixed.terms.map((t) => `${t.tensor} ${t.precision}`)).toEqual(['attention weights int8', 'MLP weights int4']);
  });

  it('weights at or above the training precision pay no post-training penalty; training below 16 bits pays its own', () => {
    const trainedInt8 = withPrecision(llama, { weights: 'int8', activations: 'int8', training: 'int8' });
    const parts = lossParts(codesign, trainedInt8, options);
    expect(parts.quantPenalty).toBe(0);
    expect(parts.trainingPrecisionPenalty).toBeCloseTo(trainingPrecisionPenalty(countParams(llama).nonEmbedding, 8), 15);
    // The option gives the training precision of architectures that set none.
    expect(lossParts(codesign, withPrecision(llama, { weights: 'int8' }), { ...options, trainingPrecision: 'int8' }).quantPenalty).toBe(0);
    expect(lossParts(codesign, withPrecision(llama, { weights: 'int4', training: 'int8' }), options).quantPenalty).toBeGreaterThan(0);
  });

  it('activation and KV-cache quantisation: left out and said so, unless the law file gives constants', () => {
    const arch = withPrecision(llama, { activations: 'int8', kvCache: 'int4' });
    const parts = lossParts(codesign, arch, options);
    expect(parts.quantPenalty).toBe(0);
    expect(parts.notModelled.map((u) => `${u.kind} ${u.precision}`)).toEqual(['activations int8', 'kvCache int4']);
    const kv = { C_T: 0.01, gamma_D: 0.5, gamma_N: 0.3, gamma_post: 1 };
    const law = lawFromSpec(parseLawSpec(JSON.stringify({ form: 'codesign', precisionPenalty: { kvCache: { ...kv, fittedRange: { bits: { min: 8, max: 8 } } } } }), 'kv.json'));
    // A built-in form without coefficients takes the published ones.
    expect(law.coefficients).toEqual(codesign.coefficients);
    const withKv = lossParts(law, arch, options);
    const N = countParams(llama).nonEmbedding;
    expect(withKv.quantPenalty).toBeCloseTo(kv.C_T * D ** 0.5 / N ** 0.3 * Math.exp(-4), 15);
    expect(withKv.notModelled.map((u) => u.kind)).toEqual(['activations']);
    expect(lossWarnings(law, arch, options).some((w) => w.includes('KV cache quantisation penalty: bits=4 is below the fitted range'))).toBe(true);
  });

  it('warns where N, D or bits lie outside the penalty’s fitted range, only when a penalty applies', () => {
    const r = KUMAR_PRECISION_LAW.fittedRange;
    const chinchilla = getLaw('chinchilla');
    const opts = { trainingTokens: 20e9 };
    expect(lossWarnings(chinchilla, llama, opts)).toEqual([]); // fp16: no penalty, and llama is inside Chinchilla's range
    const w = lossWarnings(chinchilla, withPrecision(llama, { weights: 'int4' }), { trainingTokens: 1e12 });
    expect(w).toContain(`weight quantisation penalty: nonEmbeddingParams=${countParams(llama).nonEmbedding.toExponential(3)} is above the fitted range [${r.nonEmbeddingParams.min.toExponential(3)}, ${r.nonEmbeddingParams.max.toExponential(3)}]`);
    expect(w.some((x) => x.startsWith('weight quantisation penalty: trainingTokens=1.000e+12 is above'))).toBe(true);
    expect(w.some((x) => x.startsWith('chinchilla: trainingTokens=1.000e+12 is above'))).toBe(true);
  });
});
