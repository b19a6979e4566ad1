/**
 * The files a study reads — a user space file, a loss-law file, a device file — stored in the study with their
 * content when it begins. The study is resumed, exported and reported from the stored copies: a file edited or
 * deleted afterwards cannot mix two laws into one study, decode old genes with new choices, or block a resume.
 * A file that changed is named on resume (`changedInputs`), and the study goes on with its stored copy.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { SearchSpace } from '../core/space.js';
import { withPartitionGenes } from '../core/spaces/partitioned.js';
import { UsageError } from '../core/usage-error.js';
import { BUILTIN_LAW_IDS, getLaw } from '../predictors/loss/index.js';
import { isSpaceFile, resolveSpace, spaceFromText, type SpaceRef } from './space-file.js';
import type { StoredFile, StudyInputs } from './store/types.js';
import type { StudyConfig } from './study-config.js';

export type { StoredFile, StudyInputs };

const isProfileFile = (ref: string) => /\.json$/i.test(ref);

/** A comma-separated device list (--devices, --measure-on) as its entries. */
export const deviceList = (devices: string) => devices.split(',').map((d) => d.trim());

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Reads the files a config names (a study about to begin); built-in ids name no file. `at(field)` prefixes a
 * message with where the field came from (its flag, or the config file and field).
 */
export function readStudyInputs(c: Pick<StudyConfig, 'space' | 'lossLaw' | 'deviceFile' | 'device' | 'devices' | 'measureOn'>, at: (field: string) => string): StudyInputs {
  const read = (path: string, field: string): StoredFile => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A law that is neither an id nor an existing file, and does not look like a path: a misspelt id.
      if (field === 'lossLaw' && code === 'ENOENT' && !/[\\/]|\.(json|ya?ml)$/i.test(path)) {
        try {
          getLaw(path);
        } catch (unknown) {
          throw new UsageError(`${at(field)}${(unknown as Error).message}`);
        }
      }
      throw new UsageError(`${at(field)}cannot read ${path} (${code ?? String(error)})`);
    }
    return { path, sha256: sha256(text), text };
  };
  const profileFiles = (list: string | undefined) => (list === undefined ? [] : deviceList(list).filter(isProfileFile));
  const deviceFiles = profileFiles(c.devices);
  const measureOnFiles = profileFiles(c.measureOn);
  return {
    ...(typeof c.space === 'string' && isSpaceFile(c.space) ? { space: read(c.space, 'space') } : {}),
    ...(!BUILTIN_LAW_IDS.includes(c.lossLaw) ? { lossLaw: read(c.lossLaw, 'lossLaw') } : {}),
    ...(c.deviceFile !== undefined ? { deviceFile: read(c.deviceFile, 'deviceFile') } : {}),
    ...(c.device !== undefined && isProfileFile(c.device) ? { device: read(c.device, 'device') } : {}),
    ...(deviceFiles.length ? { devices: deviceFiles.map((path) => read(path, 'devices')) } : {}),
    ...(measureOnFiles.length ? { measureOn: measureOnFiles.map((path) => read(path, 'measureOn')) } : {}),
  };
}

/**
 * The files in which a new search differs from a study's stored copies (their config keys): the same flags over an
 * edited space or law file are another search. A study recorded before files were stored compares by config only.
 */
export function inputDifferences(stored: StudyInputs | undefined, now: StudyInputs): string[] {
  if (!stored) return [];
  const keys = new Set([...Object.keys(stored), ...Object.keys(now)] as (keyof StudyInputs)[]);
  // A split study's --devices (and --measure-on) are several files: compared as the list of their digests.
  const digest = (f: StoredFile | readonly StoredFile[] | undefined) => (f === undefined ? '' : Array.isArray(f) ? f.map((x) => x.sha256).join(',') : (f as StoredFile).sha256);
  return [...keys].filter((k) => digest(stored[k]) !== digest(now[k]));
}

/** The stored files whose file on disk now differs or is gone, one phrase each. */
export function changedInputs(inputs: StudyInputs): string[] {
  const out: string[] = [];
  for (const f of (Object.values(inputs) as (StoredFile | readonly StoredFile[])[]).flat()) {
    let now: string;
    try {
      now = sha256(readFileSync(f.path, 'utf8'));
    } catch {
      out.push(`${f.path} is gone`);
      continue;
    }
    if (now !== f.sha256) out.push(`${f.path} changed since it began (sha256 ${f.sha256.slice(0, 12)} → ${now.slice(0, 12)})`);
  }
  return out;
}

/**
 * A study's search space, from its config's space reference: the stored copy of its space file when it has one,
 * else by id or inline definition (or, for a study recorded before files were kept, the file as it is now); with
 * the cut genes when it splits candidates over `devices` (fewer than 2 is refused with the evaluator, naming
 * --devices).
 */
export function studySpace(c: Pick<StudyConfig, 'space' | 'devices'>, inputs: StudyInputs | undefined): SearchSpace {
  const stored = inputs?.space;
  const space = stored && stored.path === c.space ? spaceFromText(stored.text, stored.path) : resolveSpace(c.space);
  const devices = c.devices !== undefined ? deviceList(c.devices).length : 0;
  return devices >= 2 ? withPartitionGenes(space, devices) : space;
}
