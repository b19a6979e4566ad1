/** A candidate as both stores hold it (the same hwnas_candidates columns), and its record. */
import type { CandidateRecord, CandidateStatus } from './types.js';

/** The columns both stores read alike; metrics and objectives each store encodes its own way. */
export interface CandidateRowBase {
  seq: number;
  hash: string;
  genes: string;
  generation: number;
  status: CandidateStatus;
  violation: number | null;
  error: string | null;
  eval_ms: number | null;
}

/** A row's record, its metrics and objectives decoded by the store (a failed candidate violates infinitely). */
export function toCandidateRecord(r: CandidateRowBase, metrics: Record<string, number> | undefined, objectives: number[] | undefined): CandidateRecord {
  return {
    seq: r.seq,
    hash: r.hash,
    genes: JSON.parse(r.genes) as number[],
    generation: r.generation,
    status: r.status,
    ...(metrics !== undefined ? { metrics } : {}),
    ...(objectives !== undefined ? { objectives } : {}),
    ...(r.violation !== null ? { violation: r.violation } : r.status === 'failed' ? { violation: Infinity } : {}),
    ...(r.error !== null ? { error: r.error } : {}),
    ...(r.eval_ms !== null ? { evalMs: r.eval_ms } : {}),
  };
}
