import { didYouMean } from '../core/suggest.js';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PRECISIONS, type Precision } from '../core/precision.js';
import type { DeviceProfile } from './device.js';
import { PACKAGE_ROOT } from './shipped-files.js';

/** Thrown for a bad device file or an unknown device id: the CLI reports it as one line, exit 2. */
export class DeviceError extends Error {
  override readonly name = 'DeviceError';
}

const positive = z.number().finite().positive();
const share = z.number().finite().gt(0).max(1);

export const deviceProfileSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'lower-case kebab-case id'),
    name: z.string().min(1),
    kind: z.enum(['gpu', 'cpu', 'soc', 'npu']),
    peakFlopsPerS: z
      .object(Object.fromEntries(PRECISIONS.map((p) => [p, positive.optional()])) as Record<Precision, z.ZodOptional<typeof positive>>)
      .strict()
      .refine((o) => Object.values(o).some((v) => v !== undefined), 'at least one precision is required'),
    memoryBandwidthBytesPerS: positive,
    memoryBytes: positive,
    idlePowerW: z.number().finite().nonnegative(),
    maxPowerW: positive,
    computeEfficiency: share,
    memoryEfficiency: share,
    opOverheadS: z.number().finite().nonnegative(),
    source: z.string().min(1),
    notes: z.string().optional(),
    /** Measurements a calibrated profile was derived from (kept beside it, not used by the roofline). */
    calibration: z.unknown().optional(),
    /** Optional runtime extension (device.ts RuntimeProfile). */
    runtime: z
      .object({
        kernelsPerOp: z.record(z.string().regex(/^((prefill|decode|forward):)?[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*$/, "an operator name tail or kind, optionally 'phase:'-prefixed"), z.number().finite().nonnegative()).optional(),
        decodeMatmulEfficiency: share.optional(),
        attentionEfficiency: share.optional(),
        singleBatchAttentionEfficiency: share.optional(),
        elementwiseMemoryEfficiency: share.optional(),
        depthwiseConvEfficiency: share.optional(),
        source: z.string().optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((d) => d.maxPowerW >= d.idlePowerW, { message: 'maxPowerW must be ≥ idlePowerW', path: ['maxPowerW'] });

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.map(String).join('.') || '(root)';
  return `${field}: ${issue.message}`;
}

/** Validates a parsed device file; `where` names the file in the error. */
export function parseDeviceProfile(data: unknown, where: string): DeviceProfile {
  const result = deviceProfileSchema.safeParse(data);
  if (!result.success) throw new DeviceError(`${where}: ${describeIssue(result.error.issues[0])}`);
  return result.data as DeviceProfile;
}

export function loadDeviceFile(path: string): DeviceProfile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new DeviceError(`${path}: cannot read device file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return deviceFromText(text, path);
}

/** A device profile from its file's text (as a study stores it); `path` names it in messages. */
export function deviceFromText(text: string, path: string): DeviceProfile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new DeviceError(`${path}: not valid JSON (${(error as Error).message})`);
  }
  return parseDeviceProfile(data, path);
}

// From the package root: the compiled code in dist/ reads the same files as the sources.
const builtinDir = join(PACKAGE_ROOT, 'hardware', 'devices');
let builtins: ReadonlyMap<string, DeviceProfile> | undefined;

/** The built-in profiles (hardware/devices/*.json), by id. */
export function builtinDevices(): ReadonlyMap<string, DeviceProfile> {
  if (!builtins) {
    const map = new Map<string, DeviceProfile>();
    for (const file of readdirSync(builtinDir).filter((f) => f.endsWith('.json')).sort()) {
      const profile = loadDeviceFile(join(builtinDir, file));
      map.set(profile.id, profile);
    }
    builtins = map;
  }
  return builtins;
}

export function deviceIds(): string[] {
  return [...builtinDevices().keys()];
}

/** A built-in device by id, or a device file by path (anything ending in .json). */
export function getDevice(idOrPath: string): DeviceProfile {
  if (idOrPath.endsWith('.json')) return loadDeviceFile(idOrPath);
  const device = builtinDevices().get(idOrPath);
  if (!device) throw new DeviceError(`unknown device '${idOrPath}'${didYouMean(idOrPath, deviceIds())}; valid: ${deviceIds().join(', ')} (or a device .json file)`);
  return device;
}

/** Where a precision runs when a device lists no peak for it: the next wider format it has. */
const FALLBACK: Readonly<Record<Precision, readonly Precision[]>> = {
  int4: ['int4', 'int8', 'fp16', 'bf16', 'fp32'],
  int8: ['int8', 'fp16', 'bf16', 'fp32'],
  fp16: ['fp16', 'bf16', 'fp32'],
  bf16: ['bf16', 'fp16', 'fp32'],
  fp32: ['fp32'],
};

/** Peak FLOP/s for a compute precision; with nothing wider listed, the device's slowest listed rate. */
export function peakFlopsPerS(device: DeviceProfile, precision: Precision): number {
  for (const p of FALLBACK[precision]) {
    const v = device.peakFlopsPerS[p];
    if (v !== undefined) return v;
  }
  return Math.min(...(Object.values(device.peakFlopsPerS) as number[]));
}
