import { csvCell } from '../format.js';
import { countParams } from '../../core/params.js';
import type { Genes } from '../../core/space.js';
import { SPACES } from '../../core/spaces/index.js';
import { formatFbnetArchStr } from '../../core/spaces/fbnet.js';
import { formatNb201ArchStr } from '../../core/spaces/nb201.js';
import { MNASNET_PRESETS, mnasnetGenes } from '../../core/spaces/mnasnet.js';
import { createRng } from '../../core/rng.js';
import type { Workload } from '../../core/workload.js';
import { LOCAL_WORKLOAD } from '../../core/spaces/llm-local.js';
import { measureArchitecture, unsupportedReason, type Measurement } from '../../hardware/measure/measure.js';
import { describeMachine, machineInfo, type TimingOptions } from '../../hardware/measure/timer.js';
import { describeBackend, initTf } from '../../hardware/tf-backend.js';
import { loadHelpLatencyTable, loadHelpMeta, rowsOfIndices, shippedHelpTableFile, SHIPPED_HELP_META_FILE, type LatencySpaceId } from '../../predictors/latency/data.js';
import { loadModel } from '../../predictors/latency/io.js';
import { helpText, numberFlag, parseFlags } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { checkOutput, outputLine, writeOutput } from '../output.js';
import { getDevice } from '../../hardware/devices.js';

const FLAGS = {
  space: { type: 'string', value: 'id', help: `the space to sample: ${Object.keys(SPACES).join(', ')}` },
  model: { type: 'string', value: 'preset[,preset]', help: `published networks of the space measured first (mnasnet: ${Object.keys(MNASNET_PRESETS).join(', ')}); --space defaults to mnasnet and --sample to 0 with it` },
  sample: { type: 'string', value: 'N', help: 'random architectures to measure (default 10; 0 with --model)' },
  seed: { type: 'string', value: 'S', help: 'seed of the sample and of the random weights (default 0)' },
  out: { type: 'string', value: 'file.csv', help: 'where to write the measurements (required)' },
  reference: { type: 'string', value: 'help|dir', help: "first measure HELP's 10 hardware-embedding architectures (nb201, fbnet), as hwnas predictor adapt needs; or those of a trained predictor" },
  prompt: { type: 'string', value: 'N', help: 'LLM spaces: prompt tokens (default 64)' },
  generate: { type: 'string', value: 'N', help: 'LLM spaces: generated tokens (default 8)' },
  runs: { type: 'string', value: 'N', help: 'timed runs per round (default 7)' },
  warmup: { type: 'string', value: 'N', help: 'untimed runs before the first round (default 2)' },
  'max-spread': { type: 'string', value: 'x', help: 'inter-quartile spread over the median above which a round is measured again (default 0.1)' },
  'max-rounds': { type: 'string', value: 'N', help: 'rounds at most per architecture (default 4)' },
  'max-params': { type: 'string', value: 'N', help: 'largest model measured, in parameters (default 2e8)' },
  passes: { type: 'string', value: 'P', help: "measure the whole sample P times and keep each architecture's lowest median (default 1)" },
  storage: { type: 'string', value: 'url', help: 'the device farm: a PostgreSQL server whose workers (hwnas worker --device-file <device>) measure for --devices' },
  devices: { type: 'string', value: 'a,b', help: 'the device farm: measure the sample on each of these devices (built-in ids or profile files) by their workers; one CSV per device beside --out' },
  quiet: { type: 'boolean', help: 'no progress lines' },
} as const;

const DESCRIPTION = `Builds N random architectures of a space as TensorFlow.js models with random weights and times them on this machine,
one at a time (warm-up, repeated runs, median; on the process's CPU clock when the backend computes on this
thread, so that other programs' load does not enter the figure; a round whose spread exceeds --max-spread is
measured again and the quietest round is kept; --passes P measures the whole sample P times and keeps each
architecture's lowest median, so that bursts of load hit different ones). The CSV has arch_str and latency_ms (the columns
hwnas predictor adapt --samples reads), then the spread, rounds, stability and the backend, threads and machine of
every figure. TensorFlow.js runs fp32: LLM candidates are measured in fp32 whatever precision they declare.

The device farm: --storage postgresql://user@host:5432/db --devices a,b (built-in device ids or profile files)
measures the sample on each device by its workers (hwnas worker --device-file <device>, run on that device) and
writes one CSV per device beside --out (m.csv → m-a.csv, m-b.csv), each ready for hwnas predictor adapt --samples.
Run again, the same command collects what is still missing.`;

/** HELP's 10 hardware-embedding architectures of a space, from the shipped table. */
function helpReferenceGenes(space: LatencySpaceId): Genes[] {
  const meta = loadHelpMeta(SHIPPED_HELP_META_FILE, space);
  const table = loadHelpLatencyTable(shippedHelpTableFile(space), space);
  return rowsOfIndices(table, meta.referenceIndices).map((r) => table.genes[r].slice());
}


export const command: Command = {
  name: 'measure',
  help: () => helpText({ usage: 'hwnas measure --space <id> --sample N --out measured.csv [flags]', description: DESCRIPTION, flags: FLAGS }),
  async run(argv) {
    const { values: f } = parseFlags('measure', argv, FLAGS);
    const spaceId = f.space ?? (f.model !== undefined ? 'mnasnet' : undefined);
    if (!spaceId) throw new UsageError(`--space is required; one of: ${Object.keys(SPACES).join(', ')}`);
    const space = SPACES[spaceId];
    if (!space) throw new UsageError(`--space: unknown '${spaceId}'; valid: ${Object.keys(SPACES).join(', ')}`);
    const n = numberFlag('sample', f.sample, f.model !== undefined ? 0 : 10, { integer: true });
    const seed = numberFlag('seed', f.seed, 0, { integer: true });
    if (!f.out) throw new UsageError('--out <file.csv> is required');
    if (!f.out.endsWith('.csv')) throw new UsageError(`--out: '${f.out}' must end in .csv`);
    const output = { flag: 'out', path: f.out };
    checkOutput(output);
    const isLlm = space.id.startsWith('llm');
    // Every space but HELP's two (whose arch_str names the network) gets one column per gene.
    const geneColumns = space.id !== 'nb201' && space.id !== 'fbnet';
    const workload: Workload = isLlm
      ? { batch: 1, promptTokens: numberFlag('prompt', f.prompt, LOCAL_WORKLOAD.promptTokens, { integer: true, min: 1 }), generatedTokens: numberFlag('generate', f.generate, LOCAL_WORKLOAD.generatedTokens, { integer: true }) }
      : { batch: 1, promptTokens: 0, generatedTokens: 0 };
    const timing: Partial<TimingOptions> = {
      runs: numberFlag('runs', f.runs, 7, { integer: true, min: 1 }),
      warmup: numberFlag('warmup', f.warmup, 2, { integer: true }),
      maxSpread: numberFlag('max-spread', f['max-spread'], 0.1),
      maxRounds: numberFlag('max-rounds', f['max-rounds'], 4, { integer: true, min: 1 }),
    };
    const maxParams = numberFlag('max-params', f['max-params'], 2e8);
    const passes = numberFlag('passes', f.passes, 1, { integer: true, min: 1 });

    const genes: Genes[] = [];
    if (f.reference !== undefined) {
      if (space.id !== 'nb201' && space.id !== 'fbnet') throw new UsageError(`--reference: only for nb201 and fbnet (HELP's spaces), not ${space.id}`);
      if (f.reference === 'help') genes.push(...helpReferenceGenes(space.id));
      else {
        let model;
        try {
          model = loadModel(f.reference);
        } catch (error) {
          throw new UsageError(`--reference: ${(error as Error).message}`);
        }
        if (model.meta.space !== space.id) throw new UsageError(`--reference: the predictor in ${f.reference} is for ${model.meta.space}, not ${space.id}`);
        genes.push(...model.meta.referenceGenes.map((g) => g.slice()));
      }
    }
    if (f.model !== undefined) {
      if (space.id !== 'mnasnet') throw new UsageError(`--model: presets are networks of the mnasnet space, not ${space.id}`);
      for (const id of f.model.split(',')) {
        const preset = MNASNET_PRESETS[id.trim()];
        if (!preset) throw new UsageError(`--model: unknown '${id}'; valid: ${Object.keys(MNASNET_PRESETS).join(', ')}`);
        genes.push(mnasnetGenes(preset));
      }
    }
    if (genes.length + n === 0) throw new UsageError(`--sample: 0 architectures to measure; give --sample 1 or more (or ${space.id === 'mnasnet' ? '--model' : '--reference'})`);
    const rng = createRng(seed);
    for (let i = 0; i < n; i++) genes.push(space.sample(rng));
    // Check every candidate before measuring anything.
    const archs = genes.map((g) => space.decode(g));
    archs.forEach((a, i) => {
      const why = unsupportedReason(a, workload);
      if (why) throw new UsageError(`--space ${space.id}: candidate ${i + 1} (${space.key(genes[i])}): ${why}`);
      if (a.family === 'llm') {
        const p = countParams(a).total;
        if (p > maxParams) throw new UsageError(`--space ${space.id}: candidate ${i + 1} (${space.key(genes[i])}) has ${p.toExponential(2)} parameters, above --max-params ${maxParams.toExponential(2)}; use llm-local or raise --max-params`);
      }
    });

    const archStr = (g: Genes) => (space.id === 'nb201' ? formatNb201ArchStr(g) : space.id === 'fbnet' ? formatFbnetArchStr(g) : space.key(g));
    const log = f.quiet ? () => {} : (line: string) => console.log(line);
    if (f.devices !== undefined || f.storage !== undefined) {
      if (f.devices === undefined || f.storage === undefined) throw new UsageError('--devices and --storage go together: the sample is measured by those devices\' workers on that server');
      if (passes !== 1) throw new UsageError('--passes: not with --devices (each device\'s worker measures once)');
      const { isPostgresUrl } = await import('../../search/store/index.js');
      if (!isPostgresUrl(f.storage)) throw new UsageError('--storage: the device farm needs a server (postgresql://user@host:5432/db)');
      const devices = f.devices.split(',').map((d) => d.trim()).filter(Boolean).map((d) => {
        try {
          return getDevice(d);
        } catch (error) {
          throw new UsageError(`--devices: ${(error as Error).message}`);
        }
      });
      if (devices.length === 0 || new Set(devices.map((d) => d.id)).size !== devices.length) throw new UsageError('--devices: name each device once, comma-separated');
      const { openStore } = await import('../open-store.js');
      const { measureOnFarm, deviceCsv } = await import('../measure-farm.js');
      // The tables written are one per device beside --out: checked before anything is measured.
      for (const d of devices) checkOutput({ flag: 'out', path: deviceCsv(f.out, d.id) });
      const store = await openStore(f.storage);
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        await measureOnFarm({
          store: store as import('../../search/store/postgres/postgres.js').PostgresStore,
          space,
          genes,
          devices,
          seed,
          workload,
          timing,
          archStr,
          out: f.out,
          log,
          signal: controller.signal,
        });
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        await store.close();
      }
      return 0;
    }

    const backend = await initTf();
    log(describeBackend(backend));
    log(`machine: ${describeMachine(machineInfo(backend))}`);
    const geneNames = space.genes.map((g) => g.name);
    const header = ['arch_str', 'latency_ms', ...(isLlm ? ['ttft_ms', 'decode_ms_per_token', 'prompt_tokens', 'generated_tokens'] : []), ...(geneColumns ? geneNames : []), 'spread', 'runs', 'rounds', 'stable', 'clock', 'wall_ms', 'params', 'backend', 'threads', 'cpu', 'logical_cpus'];
    const rows: string[] = [header.join(',')];
    const weightRng = createRng(`${seed}-weights`);
    const kept: Measurement[] = [];
    for (let pass = 0; pass < passes; pass++) {
      for (let i = 0; i < archs.length; i++) {
        const m = await measureArchitecture(archs[i], weightRng, { workload, timing, backend });
        if (pass === 0 || m.latencyMs < kept[i].latencyMs) kept[i] = m;
        log(`${passes > 1 ? `pass ${pass + 1}/${passes} ` : ''}[${i + 1}/${archs.length}] ${archStr(genes[i])}: ${m.latencyMs.toFixed(2)} ms (spread ${(m.timing.spread * 100).toFixed(1)}%, ${m.timing.rounds} round(s)${m.timing.stable ? '' : ', unstable'}, ${m.timing.clock} clock)`);
      }
    }
    for (let i = 0; i < archs.length; i++) {
      const m = kept[i];
      const described = space.describe(genes[i]);
      const cells: unknown[] = [
        archStr(genes[i]),
        m.latencyMs.toFixed(4),
        ...(isLlm ? [(m.ttftMs ?? 0).toFixed(4), (m.decodeMsPerToken ?? 0).toFixed(4), workload.promptTokens, workload.generatedTokens] : []),
        ...(geneColumns ? geneNames.map((g) => described[g]) : []),
        m.timing.spread.toFixed(4),
        m.timing.runs,
        m.timing.rounds,
        m.timing.stable ? 1 : 0,
        m.timing.clock,
        m.timing.wallMedianMs.toFixed(4),
        m.paramCount,
        m.machine.backend,
        m.machine.threads,
        m.machine.cpuModel,
        m.machine.logicalCpus,
      ];
      rows.push(cells.map(csvCell).join(','));
    }
    const written = writeOutput(output, rows.join('\n') + '\n');
    log(`${outputLine(written, f.out)}: ${archs.length} measurements`);
    return 0;
  },
};
