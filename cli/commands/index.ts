import type { Command } from '../command.js';

/**
 * The commands by name, each with its one-line summary (for the top-level help without loading any of them) and
 * a lazy loader, so that `hwnas analyze` does not pay for TensorFlow.js or SQLite start-up.
 * Add a command: one file in this folder exporting `command`, and one entry here.
 */
export const COMMANDS: Readonly<Record<string, { readonly summary: string; readonly load: () => Promise<{ command: Command }> }>> = {
  analyze: { summary: 'price one architecture on one device: per-operator roofline, latency, memory, energy, loss', load: () => import('./analyze.js') },
  devices: { summary: 'list the built-in device profiles', load: () => import('./devices.js') },
  models: { summary: 'list the built-in model presets', load: () => import('./models.js') },
  sweep: { summary: 'evaluate every candidate of a finite space and mark the Pareto frontier', load: () => import('./sweep.js') },
  search: { summary: 'search a space for the Pareto frontier, recorded as a resumable study', load: () => import('./search.js') },
  studies: { summary: 'list the studies in a database: status, evaluations, per-objective bests, frontier size', load: () => import('./studies.js') },
  resume: { summary: 'continue a stopped or killed study where it was, or with a larger budget', load: () => import('./resume.js') },
  export: { summary: "write a study's frontier as JSON, CSV, Hugging Face configs or an Optuna journal", load: () => import('./export.js') },
  report: { summary: 'one self-contained HTML page: frontier plots, hypervolume curve, frontier table, roofline', load: () => import('./report.js') },
  fit: { summary: 'fit a loss law (chinchilla, codesign, gemstones, nemotron-flash or a formula) to training runs', load: () => import('./fit.js') },
  predictor: { summary: 'meta-train, adapt and evaluate the HELP-style latency predictor (nb201, fbnet)', load: () => import('./predictor.js') },
  calibrate: { summary: 'measure this machine and write a calibrated device profile', load: () => import('./calibrate.js') },
  measure: { summary: 'measure architectures of a space on this machine with TensorFlow.js (CSV for predictor adapt)', load: () => import('./measure.js') },
  worker: { summary: 'evaluate the candidates of studies on a PostgreSQL server, from any machine (the device farm included)', load: () => import('./worker.js') },
  copy: { summary: 'copy studies between an SQLite file and a PostgreSQL server, either way', load: () => import('./copy.js') },
  split: { summary: 'partition one model across devices: latency vs pipelined throughput over a link (ParetoPipe)', load: () => import('./split.js') },
};
