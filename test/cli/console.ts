import { afterEach, beforeEach, vi } from 'vitest';

/**
 * Captures console.error and console.log lines for every test of the file (registers its own beforeEach and
 * afterEach). The arrays are emptied in place before each test; empty them yourself with `length = 0`.
 */
export function captureConsole(): { readonly errors: string[]; readonly logs: string[] } {
  const errors: string[] = [];
  const logs: string[] = [];
  beforeEach(() => {
    errors.length = 0;
    logs.length = 0;
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')));
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void logs.push(a.join(' ')));
  });
  afterEach(() => vi.restoreAllMocks());
  return { errors, logs };
}
