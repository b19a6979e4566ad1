import { createRng } from '../../core/rng.js';
import { analyzeLlm } from '../../hardware/roofline.js';
import { calibrateFromMicro, fitToNetworks, localSpecProfile, ratesOf, type FitSample } from '../../hardware/measure/calibrate.js';
import { llmLocalSpace, LOCAL_WORKLOAD } from '../../core/spaces/llm-local.js';
import { measureArchitecture } from '../../hardware/measure/measure.js';
import { DEFAULT_MICRO_PLAN, runMicroBenchmarks, TINY_MICRO_PLAN } from '../../hardware/measure/micro.js';
import { describeMachine, machineInfo, type TimingOptions } from '../../hardware/measure/timer.js';
import { describeBackend, initTf } from '../../hardware/tf-backend.js';
import { helpText, numberFlag, parseFlags } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { checkOutput, outputLine, writeOutput } from '../output.js';
import { si, table } from '../format.js';

const FLAGS = {
  'device-name': { type: 'string', value: 'id', help: "the profile's id (default local; lower-case kebab-case)" },
  out: { type: 'string', value: 'file.json', help: 'where to write the profile (default device.json)' },
  refine: { type: 'string', value: 'N', help: 'also measure N decoder stacks of the llm-local space and refine the three rates on them' },
  seed: { type: 'string', value: 'S', help: 'seed of the refinement sample and the random weights (default 0)' },
  runs: { type: 'string', value: 'N', help: 'timed runs per round (default 7; 3 with --quick)' },
  'max-spread': { type: 'string', value: 'x', help: 'inter-quartile spread over the median above which a round is measured again (default 0.1)' },
  'max-rounds': { type: 'string', value: 'N', help: 'rounds at most per figure (default 4; 2 with --quick)' },
  quick: { type: 'boolean', help: 'a small benchmark plan with fewer runs (minutes instead of tens of minutes)' },
  json: { type: 'boolean', help: 'print the profile as one JSON line instead of the tables' },
} as const;

const DESCRIPTION = `Runs operator micro-benchmarks on this machine with TensorFlow.js (matmuls at prefill shapes → attainable FLOP/s,
memory-bound ops → attainable bandwidth, a decoder probe → fixed cost per kernel; and, as the profile's optional
runtime extension, matrix–vector products at decode shapes, attention blocks, element-wise ops at model sizes and
depthwise convolutions at MnasNet's shapes → their own rates, with the kernels each lowered operator launches) and writes a device profile in the built-in
format, starting from this CPU's spec sheet, with every measurement kept beside it under "calibration".
Use the profile with: hwnas search --latency calibrated --device-file device.json, or --device device.json.`;

export const command: Command = {
  name: 'calibrate',
  help: () => helpText({ usage: 'hwnas calibrate [--out device.json] [flags]', description: DESCRIPTION, flags: FLAGS }),
  async run(argv) {
    const { values: f } = parseFlags('calibrate', argv, FLAGS);
    const id = f['device-name'] ?? 'local';
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(id)) throw new UsageError(`--device-name: '${id}' must be lower-case kebab-case (a-z, 0-9, '.', '-')`);
    const out = f.out ?? 'device.json';
    if (!out.endsWith('.json')) throw new UsageError(`--out: '${out}' must end in .json`);
    const output = { flag: 'out', path: out };
    checkOutput(output);
    const refine = numberFlag('refine', f.refine, 0, { integer: true });
    const seed = numberFlag('seed', f.seed, 0, { integer: true });
    const timing: Partial<TimingOptions> = {
      runs: numberFlag('runs', f.runs, f.quick ? 3 : 7, { integer: true, min: 1 }),
      maxSpread: numberFlag('max-spread', f['max-spread'], 0.1),
      maxRounds: numberFlag('max-rounds', f['max-rounds'], f.quick ? 2 : 4, { integer: true, min: 1 }),
      ...(f.quick ? { warmup: 1 } : {}),
    };
    const log = f.json ? undefined : (line: string) => console.log(`  ${line}`);

    const backend = await initTf();
    const machine = machineInfo(backend);
    if (!f.json) {
      console.log(describeBackend(backend));
      console.log(`machine: ${describeMachine(machine)}`);
      console.log('micro-benchmarks:');
    }
    const spec = localSpecProfile(id);
    const micro = await runMicroBenchmarks(f.quick ? TINY_MICRO_PLAN : DEFAULT_MICRO_PLAN, timing, log);
    let profile = calibrateFromMicro(spec, micro, machine, { id });
    if (refine > 0) {
      const rng = createRng(seed);
      const samples: FitSample[] = [];
      if (!f.json) console.log(`refining on ${refine} measured llm-local stacks (prompt ${LOCAL_WORKLOAD.promptTokens}, ${LOCAL_WORKLOAD.generatedTokens} generated):`);
      for (let i = 0; i < refine; i++) {
        const arch = llmLocalSpace.decode(llmLocalSpace.sample(rng));
        const m = await measureArchitecture(arch, rng, { workload: LOCAL_WORKLOAD, timing, backend });
        log?.(`${arch.name}: ${m.latencyMs.toFixed(1)} ms`);
        samples.push({ measuredMs: m.latencyMs, predictMs: (p) => analyzeLlm(arch, LOCAL_WORKLOAD, p, { skipOpReports: true }).totalLatencyMs });
      }
      profile = fitToNetworks(profile, samples);
    }
    const written = writeOutput(output, JSON.stringify(profile, null, 2) + '\n');
    if (f.json) {
      console.log(JSON.stringify(profile));
      return 0;
    }
    const before = ratesOf(spec);
    const after = ratesOf(profile);
    console.log(
      table(
        ['attainable', 'FLOP/s', 'bandwidth', 'per-op overhead'],
        [
          ['spec sheet × default efficiencies (uncalibrated)', si(before.flopsPerS, 'FLOP/s'), si(before.bytesPerS, 'B/s'), `${(before.opOverheadS * 1e6).toFixed(1)} µs`],
          ['calibrated', si(after.flopsPerS, 'FLOP/s'), si(after.bytesPerS, 'B/s'), `${(after.opOverheadS * 1e6).toFixed(1)} µs`],
        ],
      ),
    );
    const shapeClasses = [
      after.decodeFlopsPerS !== undefined ? `decode matmuls ${si(after.decodeFlopsPerS, 'FLOP/s')}` : '',
      after.attentionFlopsPerS !== undefined ? `attention ${si(after.attentionFlopsPerS, 'FLOP/s')}` : '',
      after.singleBatchAttentionFlopsPerS !== undefined ? `one-KV-head attention ${si(after.singleBatchAttentionFlopsPerS, 'FLOP/s')}` : '',
      after.elementwiseBytesPerS !== undefined ? `element-wise ${si(after.elementwiseBytesPerS, 'B/s')}` : '',
      after.depthwiseFlopsPerS !== undefined ? `depthwise convolutions ${si(after.depthwiseFlopsPerS, 'FLOP/s')}` : '',
      profile.runtime?.kernelsPerOp ? 'overhead per TensorFlow.js kernel, kernels per operator counted' : '',
    ].filter(Boolean);
    if (shapeClasses.length) console.log(`runtime extension: ${shapeClasses.join('; ')}`);
    console.log(`${outputLine(written, out)} (device id '${profile.id}'; computeEfficiency ${profile.computeEfficiency.toPrecision(3)}, memoryEfficiency ${profile.memoryEfficiency.toPrecision(3)})`);
    return 0;
  },
};
