/**
 * A real `hwnas` process for the tests that kill and resume it. With --json its progress events arrive as JSON
 * lines on stderr (results go to stdout), and `onLine` sees each; `stderr` keeps the lines that are not events.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const bin = resolve('bin/hwnas.js');

export function hwnas(args: string[], onLine?: (line: string, child: ReturnType<typeof spawn>) => void) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((done) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let buffer = '';
    child.stdout.resume();
    child.stderr.on('data', (b: Buffer) => {
      buffer += b.toString();
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.startsWith('{"type":')) onLine?.(line, child);
        else stderr += line + '\n';
      }
    });
    child.on('close', (code, signal) => done({ code, signal, stderr: stderr + buffer }));
  });
}
