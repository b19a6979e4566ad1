import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** How to start a worker thread on a module: its file, and the Node options the thread needs. */
export interface ThreadEntry {
  readonly url: URL;
  /** Absent when compiled: the thread inherits the process's options. */
  readonly execArgv?: string[];
}

const fromTs = (besideUrl: string) => besideUrl.endsWith('.ts');
const fileBeside = (besideUrl: string, name: string) => new URL(`./${name}${fromTs(besideUrl) ? '.ts' : '.js'}`, besideUrl);
/** Resolved from this file: a bare 'tsx' would resolve from the working directory. */
const resolveHere = (specifier: string) => createRequire(import.meta.url).resolve(specifier);

/**
 * The worker thread file `name` beside the module at `besideUrl`, for piscina: its .ts source under tsx (the tests,
 * `node bin/hwnas.js` in a clone), its compiled .js in dist/. A thread does not inherit the main thread's tsx hooks,
 * so a .ts one registers tsx itself (piscina requires the file, through tsx's require hook).
 */
export function threadEntry(besideUrl: string, name: string): ThreadEntry {
  const url = fileBeside(besideUrl, name);
  return fromTs(besideUrl) ? { url, execArgv: ['--import', pathToFileURL(resolveHere('tsx')).href] } : { url };
}

/**
 * A worker thread on the file `name` beside the module at `besideUrl`. A .ts one is required through tsx's require
 * hook, registered first in the thread: on Node 20 a thread's ESM loader does not see tsx's hooks (an entry or an
 * import() of a .ts file fails with ERR_UNKNOWN_FILE_EXTENSION, as registry.ts's sibling() finds too).
 */
export function startThread(besideUrl: string, name: string, options: WorkerOptions = {}): Worker {
  const url = fileBeside(besideUrl, name);
  if (!fromTs(besideUrl)) return new Worker(url, options);
  const code = `require(${JSON.stringify(resolveHere('tsx/cjs/api'))}).register(); require(${JSON.stringify(fileURLToPath(url))});`;
  return new Worker(code, { ...options, eval: true });
}
