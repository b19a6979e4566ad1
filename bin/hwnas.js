#!/usr/bin/env node
// Entry point: the compiled code in dist/ (built by `npm ci` / `npm run build`), which starts in a fraction of a
// second. Without dist/ (a clone not yet built), or with HWNAS_FROM_SOURCE=1 in a clone (the tests: they check the
// sources as they are, not a dist/ built before the last edit), the TypeScript sources run through tsx.
import { existsSync } from 'node:fs';

// A reader that stops early (`hwnas devices | head -1`) closes the pipe. Results on stdout: stop quietly, the
// reader has what it wanted. Progress on stderr: drop it and go on (a study keeps running to its results).
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
process.stderr.on('error', (error) => {
  if (error.code !== 'EPIPE') throw error;
});

const compiled = new URL('../dist/cli/main.js', import.meta.url);
const source = new URL('../cli/main.ts', import.meta.url);
const fromSource = existsSync(source) && (process.env.HWNAS_FROM_SOURCE === '1' || !existsSync(compiled));
let main;
if (fromSource) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(source.href));
} else {
  ({ main } = await import(compiled.href));
}
process.exitCode = await main(process.argv.slice(2));
