/**
 * Where an adapted per-device predictor lives: <predictor dir>/adapted/<device>/. Its own module so that a study
 * can name the folder without loading TensorFlow.js.
 */
import { join } from 'node:path';
import { LatencyDataError } from './data.js';

export const DEVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function adaptedDir(root: string, device: string): string {
  if (!DEVICE_NAME.test(device)) throw new LatencyDataError(`device name '${device}': use letters, digits, '.', '_' or '-'`);
  return join(root, 'adapted', device);
}
