/**
 * In-memory caches of the study loop. The store stays the truth: a resumed study starts with empty caches and
 * reads the same values.
 */
import { gridIndex, type Genes, type SearchSpace } from '../core/space.js';
import { contentHash } from './store/hash.js';
import type { CandidateRecord } from './store/types.js';

const RECENT_LIMIT = 20_000;

/**
 * Finished candidates, first in, first out: strategies often ask again for candidates of recent generations, and
 * reading them back from the store costs a query and a decode each.
 */
export class RecentRecords {
  private readonly byHash = new Map<string, CandidateRecord>();

  get(hash: string): CandidateRecord | undefined {
    return this.byHash.get(hash);
  }

  remember(r: CandidateRecord): void {
    if (this.byHash.has(r.hash)) return;
    this.byHash.set(r.hash, r);
    if (this.byHash.size > RECENT_LIMIT) this.byHash.delete(this.byHash.keys().next().value!);
  }
}

/**
 * Content hashes of candidates, memoised: most of what a strategy asks late in a study repeats earlier
 * candidates, and the text key and its SHA-256 cost far more than a lookup by the candidate's number in the grid.
 */
export class CandidateHasher {
  private readonly byIndex = new Map<number | string, string>();
  private readonly radix: readonly number[];
  private readonly numbered: boolean;

  constructor(private readonly space: SearchSpace) {
    this.radix = space.genes.map((gene) => gene.choices.length);
    this.numbered = space.size() <= Number.MAX_SAFE_INTEGER;
  }

  hashOf(g: Genes): string {
    const index = this.numbered ? gridIndex(g, this.radix) : -1;
    const memo = index >= 0 ? index : this.space.key(g);
    let h = this.byIndex.get(memo);
    if (h === undefined) {
      h = contentHash(this.space.id, this.space.key(g));
      this.byIndex.set(memo, h);
      if (this.byIndex.size > RECENT_LIMIT) this.byIndex.delete(this.byIndex.keys().next().value!);
    }
    return h;
  }
}
