/**
 * What a user's evaluator is, beyond its spec: the SHA-256 of the files it runs or reads (a module, a table, the
 * script a command line names). Recorded with the study; `hwnas resume` recomputes it and refuses a study whose
 * evaluator files changed (the records so far would not be comparable with the ones to come) unless forced.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

/** File path → sha256 hex (or 'missing'). */
export type FileHashes = Readonly<Record<string, string>>;

export function sha256File(path: string): string {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return 'missing';
  }
}

export function hashFiles(paths: readonly string[]): FileHashes {
  return Object.fromEntries(paths.map((p) => [p, sha256File(p)]));
}

/**
 * The files a command line names (`python3 train.py --data d.csv` → train.py and d.csv when they exist, resolved
 * from `cwd`): the words that are regular files. Interpreters found on PATH are not followed; an absolute path to
 * one is hashed like any file.
 */
export function filesOfCommand(command: string, cwd: string): string[] {
  const words = command.match(/"[^"]*"|'[^']*'|\S+/g) ?? [];
  const files: string[] = [];
  for (const raw of words) {
    const word = raw.replace(/^["']|["']$/g, '').replace(/^--?[A-Za-z0-9-]+=/, '');
    if (word === '' || word.startsWith('-')) continue;
    const path = isAbsolute(word) ? word : resolve(cwd, word);
    try {
      if (statSync(path).isFile() && !files.includes(path)) files.push(path);
    } catch {
      // not a file: an option value, a program on PATH, ...
    }
  }
  return files;
}

/** The files whose hash differs between what was recorded and what is there now, as 'path (was …, now …)'. */
export function changedFiles(recorded: FileHashes): string[] {
  return Object.entries(recorded)
    .map(([path, was]) => ({ path, was, now: sha256File(path) }))
    .filter((f) => f.was !== f.now)
    .map((f) => `${f.path} (sha256 ${f.was.slice(0, 12)} → ${f.now.slice(0, 12)})`);
}
