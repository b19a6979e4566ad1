/**
 * Adapted per-device predictors, registered by device name — the tfjs (backend, kernel) registry shape applied to
 * (device → predictor). On disk: <predictor dir>/adapted/<device>/ holds one adapted predictor.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LatencyDataError } from './data.js';
import { loadModel, saveModel } from './io.js';
import type { HelpModel } from './model.js';
import { adaptedDir } from './adapted-dir.js';

export class LatencyPredictorRegistry {
  private readonly byDevice = new Map<string, HelpModel>();

  register(model: HelpModel): void {
    const a = model.meta.adapted;
    if (!a) throw new Error('only adapted predictors can be registered (run adapt first)');
    this.byDevice.set(a.name, model);
  }

  get(device: string): HelpModel {
    const m = this.byDevice.get(device);
    if (!m) throw new LatencyDataError(`no adapted predictor for device '${device}'; registered: ${this.devices().join(', ') || '(none)'}`);
    return m;
  }

  has(device: string): boolean {
    return this.byDevice.has(device);
  }

  devices(): string[] {
    return [...this.byDevice.keys()].sort();
  }

  /** Saves an adapted predictor under root/adapted/<device>/ and registers it. */
  save(root: string, model: HelpModel): string {
    const a = model.meta.adapted;
    if (!a) throw new Error('only adapted predictors can be saved in the registry');
    const dir = adaptedDir(root, a.name);
    saveModel(dir, model);
    this.register(model);
    return dir;
  }

  /** Every adapted predictor found under root/adapted/. */
  static load(root: string): LatencyPredictorRegistry {
    const reg = new LatencyPredictorRegistry();
    const base = join(root, 'adapted');
    if (!existsSync(base)) return reg;
    for (const name of readdirSync(base).sort()) reg.register(loadModel(join(base, name)));
    return reg;
  }
}
