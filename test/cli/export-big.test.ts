/**
 * Big exports stream: `export --all` of a study holds a candidate at a time (and the objectives of all, for the
 * frontier), never the whole file as one string. A 10,000-candidate study of llm-hybrid exported by a process
 * with a 96 MB heap: the version that built the file in memory needed over 96 MB for it (about 130 MB) (and died with
 * "Invalid string length" at 210,000 candidates).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../core/rng.js';
import { getSpace } from '../../core/spaces/index.js';
import { contentHash, SqliteStore, type FinishedCandidate } from '../../search/store/index.js';
import { parseStudyConfig } from '../../search/study-config.js';

const bin = resolve('bin/hwnas.js');
const d = mkdtempSync(join(tmpdir(), 'hwnas-export-big-'));
const db = join(d, 'big.db');
const N = 10_000;
const space = getSpace('llm-hybrid');

/** A loss/latency trade-off with a known frontier: candidate k has loss 3 − k/N and latency 1 + k (k = 0…N−1). */
const lossOf = (k: number) => (k % 3 === 2 ? 3 - (k - 1) / N : 3 - k / N);
/** The document's order: by loss (the first objective), best first; equal losses by seq. */
const order = Array.from({ length: N }, (_, k) => k).sort((a, b) => lossOf(a) - lossOf(b) || a - b);
beforeAll(() => {
  const store = SqliteStore.open(db);
  const config = parseStudyConfig({ space: 'llm-hybrid', device: 'jetson-agx-orin', evaluations: N });
  const study = store.createStudy({ name: 'big', config, seed: 0, space: space.id, device: 'jetson-agx-orin', objectives: ['min:loss', 'min:latencyMs'], constraints: [], strategy: 'random', hwnasVersion: '0.1.0' });
  const rng = createRng(1);
  const seen = new Set<string>();
  const rows: FinishedCandidate[] = [];
  while (rows.length < N) {
    const genes = space.sample(rng);
    const hash = contentHash(space.id, space.key(genes));
    if (seen.has(hash)) continue;
    seen.add(hash);
    const k = rows.length;
    // Every third candidate is dominated by its predecessor (same loss, higher latency): off the frontier.
    const loss = lossOf(k);
    const latencyMs = 1 + k;
    rows.push({ seq: k, hash, genes, generation: Math.floor(k / 1000), status: 'done', metrics: { loss, latencyMs }, objectives: [loss, latencyMs], violation: 0, evalMs: 0.1 });
  }
  for (let i = 0; i < N; i += 5000) store.recordCandidates(study.id, rows.slice(i, i + 5000));
  store.close();
}, 120_000);

const exportWith96MbHeap = (format: string, out: string) =>
  spawnSync(process.execPath, ['--max-old-space-size=96', bin, 'export', 'big', '--db', db, '--format', format, '--all', '--out', out], { encoding: 'utf8' });

describe('export --all of a big study', () => {
  it('CSV: every candidate, is_pareto exactly the non-dominated ones, within a 96 MB heap', () => {
    const out = join(d, 'all.csv');
    const r = exportWith96MbHeap('csv', out);
    expect(r.stderr).toBe(`wrote ${out}: ${N} candidates of study big\n`);
    expect(r.status).toBe(0);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n').filter((l) => !l.startsWith('#'));
    expect(lines).toHaveLength(1 + N);
    const head = lines[0].split(',');
    const seq = head.indexOf('seq');
    const pareto = head.indexOf('is_pareto');
    for (let i = 0; i < N; i += 1) {
      const k = order[i];
      const cells = lines[1 + i].split(',', pareto + 1);
      expect(Number(cells[seq])).toBe(k);
      expect(cells[pareto]).toBe(k % 3 === 2 ? '0' : '1');
    }
  }, 120_000);

  it('JSON: one document, pretty-printed as JSON.stringify would, within a 96 MB heap', () => {
    const out = join(d, 'all.json');
    const r = exportWith96MbHeap('json', out);
    expect(r.stderr).toBe(`wrote ${out}: ${N} candidates of study big\n`);
    expect(r.status).toBe(0);
    const text = readFileSync(out, 'utf8');
    const doc = JSON.parse(text) as { provenance: { study: string }; candidates: { seq: number; isPareto: boolean; architecture: { family: string } }[] };
    expect(doc.provenance.study).toBe('big');
    expect(doc.candidates).toHaveLength(N);
    expect(doc.candidates.filter((c) => c.isPareto)).toHaveLength(N - Math.floor(N / 3));
    expect(doc.candidates.map((c) => c.seq)).toEqual(order);
    // Best first: the last candidate has the lowest loss; seq 0 the highest.
    expect(doc.candidates[0]).toMatchObject({ seq: N - 1, isPareto: true, architecture: { family: 'llm' } });
    expect(doc.candidates[N - 1]).toMatchObject({ seq: 0, isPareto: true });
    expect(text).toBe(JSON.stringify(doc, null, 2) + '\n');
  }, 120_000);
});
