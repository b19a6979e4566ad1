import { describe, expect, it } from 'vitest';
import { bestText } from '../../cli/commands/studies.js';
import { parseObjectives } from '../../core/objectives.js';
import { INITIAL_LOOP_STATE, summaryOf } from '../../search/study-loop.js';

describe('studies: the best at each objective is a candidate, not the ideal point', () => {
  it('picks, for each objective, the frontier point best at it and shows its other values', () => {
    // loss (min) vs tokensPerS (max, stored negated). Frontier: #3 (2.9, 10 tok/s), #7 (3.4, 40 tok/s), #9 (3.1, 25 tok/s).
    const objectives = parseObjectives('loss,throughput');
    const frontier = [
      { seq: 3, genes: [0], objectives: [2.9, -10] },
      { seq: 7, genes: [1], objectives: [3.4, -40] },
      { seq: 9, genes: [2], objectives: [3.1, -25] },
    ];
    const summary = summaryOf({ ...INITIAL_LOOP_STATE, frontier }, objectives);
    // The ideal point (2.9, 40) is no candidate's.
    expect(summary.best).toEqual({ loss: 2.9, tokensPerS: 40 });
    expect(summary.bestCandidates).toEqual([
      { metric: 'loss', seq: 3, values: { loss: 2.9, tokensPerS: 10 } },
      { metric: 'tokensPerS', seq: 7, values: { loss: 3.4, tokensPerS: 40 } },
    ]);
    expect(bestText(summary)).toBe('loss 2.9000 (#3, tokensPerS 10 tok/s) · tokensPerS 40 tok/s (#7, loss 3.4000)');
    // With the training tokens the loss is predicted after.
    expect(bestText(summary, 1e10)).toBe('loss 2.9000 (after 10B tokens) (#3, tokensPerS 10 tok/s) · tokensPerS 40 tok/s (#7, loss 3.4000 (after 10B tokens))');
    // A summary written before bestCandidates existed says that its values are the ideal point.
    expect(bestText({ best: { loss: 2.9, latencyMs: 14.2 } })).toBe('ideal point: loss 2.9000, latencyMs 14.2 ms');
  });

  it('breaks a tie on the objective by the next objective', () => {
    const objectives = parseObjectives('loss,latency');
    const frontier = [
      { seq: 1, genes: [0], objectives: [3, 20] },
      { seq: 2, genes: [1], objectives: [3, 12] },
    ];
    expect(summaryOf({ ...INITIAL_LOOP_STATE, frontier }, objectives).bestCandidates![0].seq).toBe(2);
  });
});
