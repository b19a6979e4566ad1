import { createRequire } from 'node:module';

/** The package's version, as recorded with every study and export. */
export const HWNAS_VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
