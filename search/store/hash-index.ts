/**
 * Content hash → batch row, for every candidate a study's batches hold: an open-addressing table of the 64-bit
 * hashes in one typed array, each slot's hash halves and row side by side (one cache miss a probe). A JavaScript
 * Map of a million string keys took a second to build; this takes a fraction and 12–24 bytes a candidate.
 * Hashes that are not 16 lowercase hex digits go to a plain Map.
 */
export class HashIndex {
  /** Per slot: high 32 bits, low 32 bits, batch row + 1 (0: empty). */
  private slots = new Int32Array(3 << 16);
  private mask = (1 << 16) - 1;
  private used = 0;
  private readonly other = new Map<string, number>();
  private readonly scratch = Buffer.alloc(8);

  get size(): number {
    return this.used + this.other.size;
  }

  /** Room for `n` more hashes without growing on the way. */
  reserve(n: number): void {
    while ((this.used + n) * 2 > this.mask + 1) this.grow();
  }

  /** The batch row that holds this hash, or undefined when none does. */
  get(hash: string): number | undefined {
    const o = this.other.get(hash);
    if (o !== undefined) return o;
    if (!this.pack(hash)) return undefined;
    const b = this.scratch;
    const h = (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
    const l = (b[4] << 24) | (b[5] << 16) | (b[6] << 8) | b[7];
    const t = this.slots;
    for (let s = h & this.mask; ; s = (s + 1) & this.mask) {
      const at = s * 3;
      const id = t[at + 2];
      if (id === 0) return undefined;
      if (t[at] === h && t[at + 1] === l) return id - 1;
    }
  }

  has(hash: string): boolean {
    return this.get(hash) !== undefined;
  }

  /** Adds a hash (kept at its first batch row if already there). */
  set(hash: string, id: number): void {
    if (this.pack(hash)) this.addKeys(this.scratch, id);
    else if (!this.other.has(hash)) this.other.set(hash, id);
  }

  /** Adds the 8-byte hashes packed in `keys` (batch row `id`). */
  addKeys(keys: Uint8Array, id: number): void {
    this.reserve(keys.length >>> 3);
    for (let i = 0; i + 8 <= keys.length; i += 8) {
      const h = (keys[i] << 24) | (keys[i + 1] << 16) | (keys[i + 2] << 8) | keys[i + 3];
      const l = (keys[i + 4] << 24) | (keys[i + 5] << 16) | (keys[i + 6] << 8) | keys[i + 7];
      this.insert(h, l, id + 1);
    }
  }

  private pack(hash: string): boolean {
    return hash.length === 16 && this.scratch.write(hash, 0, 'hex') === 8 && hash === hash.toLowerCase();
  }

  private insert(h: number, l: number, id1: number): void {
    const t = this.slots;
    for (let s = h & this.mask; ; s = (s + 1) & this.mask) {
      const at = s * 3;
      if (t[at + 2] === 0) {
        t[at] = h;
        t[at + 1] = l;
        t[at + 2] = id1;
        this.used++;
        return;
      }
      if (t[at] === h && t[at + 1] === l) return;
    }
  }

  private grow(): void {
    const old = this.slots;
    const n = (this.mask + 1) * 2;
    this.slots = new Int32Array(n * 3);
    this.mask = n - 1;
    this.used = 0;
    for (let at = 0; at < old.length; at += 3) if (old[at + 2] !== 0) this.insert(old[at], old[at + 1], old[at + 2]);
  }
}
