import type { Command } from '../command.js';
import { helpText, parseFlags } from '../args.js';
import { STORAGE_FLAGS, STORAGE_USAGE, openStore, storageOf } from '../open-store.js';
import { ageText, countText, metricText as valueText, UNITS_NOTE } from '../format.js';
import type { StudyRecord, StudySummary } from '../../search/store/index.js';
import { lossPricingPart, type EvaluatorSpec } from '../../search/evaluate/registry.js';

const FLAGS = {
  ...STORAGE_FLAGS,
  json: { type: 'boolean', help: 'one JSON object per study, per line' },
} as const;

/**
 * "loss 2.91 (#123, latencyMs 14.2 ms) · latencyMs 3.1 ms (#7, loss 3.52)": for each objective, the frontier
 * candidate best at it and what it gives up on the others — real candidates, not the ideal point no candidate
 * reaches. Summaries written before bestCandidates existed show their per-objective bests as the ideal point.
 */
export function bestText(summary: StudySummary, trainingTokens?: number): string {
  const tokens = trainingTokens ? ` (after ${countText(trainingTokens)} tokens)` : '';
  const metricText = (m: string, v: number) => `${valueText(m, v)}${m === 'loss' ? tokens : ''}`;
  const cands = summary.bestCandidates;
  if (cands && cands.length > 0) {
    return cands
      .map((c) => {
        const others = Object.entries(c.values).filter(([m]) => m !== c.metric);
        return `${c.metric} ${metricText(c.metric, c.values[c.metric])} (#${c.seq}${others.map(([m, v]) => `, ${m} ${metricText(m, v)}`).join('')})`;
      })
      .join(' · ');
  }
  const best = Object.entries(summary.best ?? {});
  return best.length > 0 ? `ideal point: ${best.map(([m, v]) => `${m} ${metricText(m, v)}`).join(', ')}` : '—';
}

/** bestText of a study, its losses named with the training tokens its evaluator predicts them at. */
export function studyBestText(s: Pick<StudyRecord, 'summary' | 'evaluator'>): string {
  return bestText(s.summary, s.evaluator ? lossPricingPart(s.evaluator as EvaluatorSpec)?.trainingTokens : undefined);
}

export const command: Command = {
  name: 'studies',
  help: () =>
    helpText({
      usage: `hwnas studies ${STORAGE_USAGE} [--json]`,
      description: 'Lists the studies of a database: status, candidates evaluated and failed, frontier size, and for each objective the\nfrontier candidate best at it (#seq) with its other objective values.',
      flags: FLAGS,
    }),
  async run(argv) {
    const { values } = parseFlags('studies', argv, FLAGS);
    // Read-only: listing works while a study writes, and never creates a database.
    const store = await openStore(storageOf(values), { readonly: true });
    try {
      const studies = await store.listStudies();
      // 'running' only while a live process runs it: a study left running by a killed process shows 'interrupted'.
      const statuses = await Promise.all(studies.map((s) => store.liveStatus(s)));
      const now = Date.now();
      if (values.json) {
        for (const [i, s] of studies.entries()) {
          console.log(
            JSON.stringify({
              name: s.name,
              status: statuses[i],
              stopReason: s.summary.stopReason ?? null,
              evaluations: s.evaluations,
              failed: s.failed,
              frontierSize: s.summary.frontierSize ?? 0,
              hypervolume: s.summary.hypervolume ?? 0,
              bestCandidates: s.summary.bestCandidates ?? null,
              idealPoint: s.summary.best ?? {},
              space: s.space,
              device: s.device,
              strategy: s.strategy,
              objectives: s.objectives,
              constraints: s.constraints,
              createdAt: new Date(s.createdAt).toISOString(),
              updatedAt: new Date(s.updatedAt).toISOString(),
            }),
          );
        }
        return 0;
      }
      if (studies.length === 0) {
        console.log(`no studies in ${store.location}`);
        return 0;
      }
      const rows = studies.map((s, i) => [
        s.name,
        statuses[i] + (s.summary.stopReason ? ` (${s.summary.stopReason})` : ''),
        String(s.evaluations),
        String(s.failed),
        String(s.summary.frontierSize ?? 0),
        `${s.space}/${s.device || '-'}/${s.strategy}`,
        ageText(now - s.createdAt),
        ageText(now - s.updatedAt),
        studyBestText(s),
      ]);
      const head = ['study', 'status', 'evaluated', 'failed', 'frontier', 'space/device/strategy', 'age', 'updated', 'best at each objective (#candidate, its other objectives)'];
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
      console.log(`(${UNITS_NOTE})`);
      for (const r of [head, ...rows]) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
      return 0;
    } finally {
      await store.close();
    }
  },
};
