import type { Command } from '../command.js';
import { parseFlags } from '../args.js';
import { STORAGE_FLAGS, STORAGE_USAGE, openStore, storageOf } from '../open-store.js';
import { ageText } from '../format.js';

function fmt(v: number): string {
  return Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : Number(v.toPrecision(5)).toString();
}

export const command: Command = {
  name: 'studies',
  summary: 'list the studies in a database: status, evaluations, best values, frontier size, age',
  usage: `usage: hwnas studies ${STORAGE_USAGE} [--json]`,
  async run(argv) {
    const { values } = parseFlags('studies', argv, { ...STORAGE_FLAGS, json: { type: 'boolean' } });
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
              evaluations: s.evaluations,
              failed: s.failed,
              best: s.summary.best ?? {},
              frontierSize: s.summary.frontierSize ?? 0,
              hypervolume: s.summary.hypervolume ?? 0,
              space: s.space,
              device: s.device,
              strategy: s.strategy,
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
        Object.entries(s.summary.best ?? {})
          .map(([k, v]) => `${k}=${fmt(v)}`)
          .join(' '),
        `${s.space}/${s.device || '-'}/${s.strategy}`,
        ageText(now - s.createdAt),
        ageText(now - s.updatedAt),
      ]);
      const head = ['study', 'status', 'evaluated', 'failed', 'frontier', 'best', 'space/device/strategy', 'age', 'updated'];
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
      for (const r of [head, ...rows]) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
      return 0;
    } finally {
      await store.close();
    }
  },
};
