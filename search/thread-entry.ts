import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

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
