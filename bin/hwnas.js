#!/usr/bin/env node
// Entry point: the compiled code in dist/ (built by `npm ci` / `npm run build`), which starts in a fraction of a
// second. Without dist/ (a clone not yet built), or with HWNAS_FROM_SOURCE=1 in a clone (the tests: they check the
// sources as they are, not a dist/ built before the last edit), the TypeScript sources run through tsx.
import { existsSync } from 'node:fs';

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
