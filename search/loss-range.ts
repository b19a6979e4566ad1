/**
 * Before a search: is its loss law used where it was fitted? A sample of the space is read through the same range
 * check as `hwnas analyze` (predictors/loss/loss-parts.ts) and the uniform-guessing bound; what falls outside is
 * summarised in a few lines, so that a frontier of extrapolated losses does not pass for a prediction.
 */
import { countParams } from '../core/params.js';
import { createRng } from '../core/rng.js';
import type { SearchSpace } from '../core/space.js';
import { resolveLaw } from '../predictors/loss/index.js';
import { lossParts, lossRangeIssues, type LossOptions } from '../predictors/loss/loss-parts.js';
import { rangeIssueText } from '../predictors/loss/law.js';
import { uniformBoundWarning } from '../predictors/loss/uniform-bound.js';

/** Warnings for the law over `samples` candidates of the space (LLM spaces only), most frequent first. */
export function lossRangeWarnings(space: SearchSpace, law: string, options: LossOptions, opts: { samples?: number; seed?: number } = {}): string[] {
  const samples = opts.samples ?? 200;
  const rng = createRng(`loss-range-${opts.seed ?? 0}`);
  const l = resolveLaw(law);
  const counts = new Map<string, { n: number; example: string }>();
  let llm = 0;
  for (let i = 0; i < samples; i++) {
    const arch = space.decode(space.sample(rng));
    if (arch.family !== 'llm') continue;
    llm++;
    const params = countParams(arch);
    const parts = lossParts(l, arch, options, params);
    // One entry per kind of warning (which input of which law, or the uniform bound), with its first example.
    const count = (kind: string, text: string) => {
      const seen = counts.get(kind);
      counts.set(kind, { n: (seen?.n ?? 0) + 1, example: seen?.example ?? text });
    };
    for (const issue of lossRangeIssues(l, arch, options, params, parts)) {
      const text = rangeIssueText(issue);
      count(issue.side === 'not finite' ? text : `${issue.source}: ${issue.input}`, text);
    }
    const uniform = uniformBoundWarning(l.id, parts.loss, arch.vocabSize);
    if (uniform) count('uniform', uniform);
  }
  return [...counts.values()].sort((a, b) => b.n - a.n).map(({ n, example }) => `${n} of ${llm} sampled candidates, e.g. ${example}`);
}
