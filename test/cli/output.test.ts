import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../cli/errors.js';
import { checkOutput, checkOutputFolder, streamOutput, writeOutput, writeOutputFolder } from '../../cli/output.js';
import { canMakeReadOnly, canMount, fillDisk, readOnlyFolder, smallDisk } from '../fs-faults.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'hwnas-out-'));
const out = (path: string) => ({ flag: 'out', path });

describe('output files, all or nothing', () => {
  it('writes a new file, replaces an existing one and says which, leaving nothing beside it', async () => {
    const d = tmp();
    const p = join(d, 'a.csv');
    expect(writeOutput(out(p), 'one\n')).toBe('wrote');
    expect(writeOutput(out(p), 'two\n')).toBe('replaced');
    expect(readFileSync(p, 'utf8')).toBe('two\n');
    // 3 MB in pieces: written through chunks, read back whole.
    const line = 'x'.repeat(99) + '\n';
    expect(await streamOutput(out(p), (w) => {
      for (let i = 0; i < 30_000; i++) w(line);
    })).toBe('replaced');
    expect(readFileSync(p, 'utf8')).toBe(line.repeat(30_000));
    expect(readdirSync(d)).toEqual(['a.csv']);
  });

  it('keeps the old file whole when the writing fails midway, and leaves no temporary file', async () => {
    const d = tmp();
    const p = join(d, 'a.json');
    writeFileSync(p, 'old\n');
    await expect(
      streamOutput(out(p), (w) => {
        w('x'.repeat(3 << 20));
        throw new Error('the export failed');
      }),
    ).rejects.toThrow('the export failed');
    expect(readFileSync(p, 'utf8')).toBe('old\n');
    expect(readdirSync(d)).toEqual(['a.json']);
  });

  it('writes through a symbolic link to the file it names', () => {
    const d = tmp();
    writeFileSync(join(d, 'real.txt'), 'old');
    symlinkSync(join(d, 'real.txt'), join(d, 'link.txt'));
    expect(writeOutput(out(join(d, 'link.txt')), 'new')).toBe('replaced');
    expect(readFileSync(join(d, 'real.txt'), 'utf8')).toBe('new');
  });

  it('checks a path before any work: a missing folder, a folder, a device and an unwritable folder, one line each', () => {
    const d = tmp();
    mkdirSync(join(d, 'sub'));
    const refused = (p: string, re: RegExp) => {
      let message = '';
      try {
        checkOutput(out(p));
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError);
        message = (error as Error).message;
      }
      expect(message).toMatch(re);
      expect(message).not.toContain('\n');
    };
    refused(join(d, 'nodir', 'f.json'), /^--out: no folder '.*nodir' for .*f\.json \(create it first\)$/);
    refused(join(d, 'sub'), /^--out: .*sub is a folder; give a file path$/);
    refused('/dev/null', /^--out: \/dev\/null is not a regular file/);
    refused('', /^--out: empty path$/);
    expect(() => checkOutput(out(join(d, 'fine.csv')))).not.toThrow();
    expect(readdirSync(d)).toEqual(['sub']);
  });

  it.skipIf(!canMakeReadOnly)('refuses a read-only folder before any work', () => {
    const ro = readOnlyFolder((dir) => writeFileSync(join(dir, 'old.csv'), 'old'));
    expect(() => checkOutput(out(join(ro, 'old.csv')))).toThrow(/^--out: cannot write in '.*' \((EROFS|EACCES)/);
    expect(() => checkOutputFolder({ ...out(join(ro, 'hf')), marker: 'summary.json' })).toThrow(/^--out: cannot write in /);
  });

  it.skipIf(!canMount)('on a full disk: one line, the old file untouched, no partial file, no temporary file', async () => {
    const d = smallDisk(256 * 1024);
    const p = join(d, 'export.csv');
    writeFileSync(p, 'old export\n');
    fillDisk(d);
    let message = '';
    try {
      await streamOutput(out(p), (w) => {
        for (let i = 0; i < 1000; i++) w('y'.repeat(1000) + '\n');
      });
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      message = (error as Error).message;
    }
    expect(message).toBe(`--out: cannot write ${p} (ENOSPC: no space left on the disk); nothing written`);
    expect(readFileSync(p, 'utf8')).toBe('old export\n');
    expect(readdirSync(d).sort()).toEqual(['export.csv', 'filler']);
  });
});

describe('output folders, swapped in whole', () => {
  const hf = (path: string) => ({ flag: 'out', path, marker: 'summary.json' });

  it('replaces an earlier export whole (no stale folders of the old one), and refuses a folder of other files', async () => {
    const d = tmp();
    const dir = join(d, 'hf');
    expect(await writeOutputFolder(hf(dir), (t) => {
      for (const k of [1, 2, 3]) {
        mkdirSync(join(t, `candidate-${k}`));
        writeFileSync(join(t, `candidate-${k}`, 'config.json'), '{}');
      }
      writeFileSync(join(t, 'summary.json'), '{}');
    })).toBe('wrote');
    checkOutputFolder(hf(dir));
    expect(await writeOutputFolder(hf(dir), (t) => {
      mkdirSync(join(t, 'candidate-9'));
      writeFileSync(join(t, 'summary.json'), '{"new":1}');
    })).toBe('replaced');
    expect(readdirSync(dir).sort()).toEqual(['candidate-9', 'summary.json']);
    expect(readdirSync(d)).toEqual(['hf']);
    const mine = join(d, 'mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'thesis.tex'), 'precious');
    expect(() => checkOutputFolder(hf(mine))).toThrow(/^--out: .*mine holds other files \(no summary\.json of an earlier export\); give a new or empty folder$/);
    writeFileSync(join(d, 'plain'), 'x');
    expect(() => checkOutputFolder(hf(join(d, 'plain')))).toThrow(/exists and is not a folder/);
  });

  it('keeps the old folder as it was when writing fails halfway, and leaves no temporary folder', async () => {
    const d = tmp();
    const dir = join(d, 'hf');
    mkdirSync(dir);
    writeFileSync(join(dir, 'summary.json'), 'old');
    await expect(
      writeOutputFolder(hf(dir), (t) => {
        for (let k = 0; k < 40; k++) writeFileSync(join(t, `f${k}`), 'x');
        throw new Error('failed at candidate 41');
      }),
    ).rejects.toThrow('failed at candidate 41');
    expect(readdirSync(dir)).toEqual(['summary.json']);
    expect(readFileSync(join(dir, 'summary.json'), 'utf8')).toBe('old');
    expect(readdirSync(d)).toEqual(['hf']);
    expect(existsSync(join(d, 'hf', 'f0'))).toBe(false);
  });
});
