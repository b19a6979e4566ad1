import type { Command } from '../command.js';
import { helpText, parseFlags } from '../args.js';
import { UsageError } from '../errors.js';
import { openStore } from '../open-store.js';
import type { FinishedCandidate, Store, StudyRecord } from '../../search/store/index.js';

const FLAGS = {
  from: { type: 'string', value: 'storage', help: 'the SQLite file or postgresql:// URL to copy from (required)' },
  to: { type: 'string', value: 'storage', help: 'the SQLite file or postgresql:// URL to copy to (required)' },
  study: { type: 'string', multiple: true, value: 'name', help: 'copy this study (repeatable; default: every study)' },
} as const;

const DESCRIPTION = `Copies studies between storages, either way: an SQLite file (hwnas.db) and a PostgreSQL server
(postgresql://user@host:5432/db). Every study of --from, or those named with --study; each keeps its config,
evaluator, candidates (numbers exact), counts, status and latest checkpoint, so 'hwnas resume' (or a worker, for a
running study copied to a server) continues it exactly where it was. A study name that --to already holds is
refused before anything is written; a study running in another process is refused (stop it first).`;

/** Candidates written per transaction. */
const BATCH = 5000;

async function copyStudy(from: Store, to: Store, study: StudyRecord): Promise<number> {
  // Held while copying: no process may run the study meanwhile (on either side).
  const lock = await from.lockStudy(study);
  if ('heldBy' in lock) throw new UsageError(`study '${study.name}' is running in ${lock.heldBy}; stop it first, then copy`);
  try {
    // The checkpoint first: rows may run ahead of a checkpoint, never behind it.
    const checkpoint = await from.checkpoint(study.id);
    const copy = await to.createStudy(
      {
        name: study.name,
        config: study.config,
        seed: study.seed,
        space: study.space,
        device: study.device,
        objectives: study.objectives,
        constraints: study.constraints,
        strategy: study.strategy,
        hwnasVersion: study.hwnasVersion,
        ...(study.evaluator !== undefined ? { evaluator: study.evaluator } : {}),
        // The copies of the files it read: the study resumes on the other side without them.
        ...(study.inputs !== undefined ? { inputs: study.inputs } : {}),
      },
      study.createdAt,
    );
    let batch: FinishedCandidate[] = [];
    let copied = 0;
    for await (const c of from.candidates(study.id, ['done', 'failed'])) {
      batch.push(c as FinishedCandidate);
      if (batch.length >= BATCH) {
        copied += await to.record(copy.id, batch);
        batch = [];
      }
    }
    copied += await to.record(copy.id, batch, checkpoint ? { checkpoint, summary: study.summary } : undefined);
    await to.setStatus(copy.id, study.status, study.summary);
    return copied;
  } finally {
    await lock.release();
  }
}

export const command: Command = {
  name: 'copy',
  help: () => helpText({ usage: 'hwnas copy --from <storage> --to <storage> [--study <name>]...', description: DESCRIPTION, flags: FLAGS }),
  async run(argv) {
    const { values } = parseFlags('copy', argv, FLAGS);
    if (!values.from || !values.to) throw new UsageError('--from and --to are required: hwnas copy --from hwnas.db --to postgresql://user@host:5432/db');
    if (values.from.trim() === values.to.trim()) throw new UsageError('--from and --to name the same storage');
    const from = await openStore(values.from, { readonly: false, mustExist: true });
    try {
      const all = await from.listStudies();
      const names = values.study ?? all.map((s) => s.name);
      const chosen: StudyRecord[] = [];
      for (const name of names) {
        const s = all.find((x) => x.name === name);
        if (!s) throw new UsageError(`--study: unknown study '${name}' in ${from.location}; studies: ${all.map((x) => x.name).join(', ') || '(none)'}`);
        chosen.push(s);
      }
      if (chosen.length === 0) throw new UsageError(`no studies in ${from.location} to copy`);
      const to = await openStore(values.to);
      try {
        const clash = (await to.listStudies()).filter((s) => chosen.some((c) => c.name === s.name)).map((s) => s.name);
        if (clash.length > 0) throw new UsageError(`${to.location} already holds ${clash.map((n) => `'${n}'`).join(', ')}; nothing copied`);
        for (const study of chosen) {
          const n = await copyStudy(from, to, study);
          console.error(`copied study '${study.name}' (${n} candidates, ${study.status}) from ${from.location} to ${to.location}`);
        }
      } finally {
        await to.close();
      }
    } finally {
      await from.close();
    }
    return 0;
  },
};
