/**
 * Files the package ships beside its code (device profiles, the data under data/), found from the package root:
 * the sources run by tsx and the compiled dist/ sit at different depths but share that root.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { packageDirectorySync } from 'package-directory';

const here = dirname(fileURLToPath(import.meta.url));
const root = packageDirectorySync({ cwd: here });
if (root === undefined) throw new Error(`hwnas: no package.json above ${here}; the package is incomplete`);

/** The folder holding hwnas's package.json. */
export const PACKAGE_ROOT: string = root;

/** A file under data/ (e.g. 'latency/nb201_help_latency.csv.gz'). */
export function shippedDataFile(relative: string): string {
  return join(PACKAGE_ROOT, 'data', relative);
}

/** Reads a text file as UTF-8, gunzipping it first when its name ends in .gz. Errors are the file system's. */
export function readTextFile(path: string): string {
  const bytes = readFileSync(path);
  return (path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
}
