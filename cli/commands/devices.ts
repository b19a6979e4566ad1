import { builtinDevices } from '../../hardware/devices.js';
import { helpText, parseFlags } from '../args.js';
import type { Command } from '../command.js';
import { bytesText, si, table, UNITS_NOTE } from '../format.js';

const FLAGS = {
  json: { type: 'boolean', help: 'one JSON array of the profiles, every field (the format of a device file)' },
} as const;

export const command: Command = {
  name: 'devices',
  help: () =>
    helpText({
      usage: 'hwnas devices [--json]',
      description: 'The built-in device profiles: peak compute, memory bandwidth and size, power, and where each figure comes from.\nAny command that takes --device also takes a profile file of the same fields (hwnas devices --json shows them).',
      flags: FLAGS,
    }),
  async run(argv) {
    const { values } = parseFlags('devices', argv, FLAGS);
    const devices = [...builtinDevices().values()];
    if (values.json) {
      console.log(JSON.stringify(devices));
      return 0;
    }
    const rows = devices.map((d) => [
      d.id,
      d.kind,
      si(d.peakFlopsPerS.fp16 ?? d.peakFlopsPerS.fp32 ?? 0, 'FLOP/s'),
      d.peakFlopsPerS.int8 ? si(d.peakFlopsPerS.int8, 'OP/s') : '–',
      si(d.memoryBandwidthBytesPerS, 'B/s'),
      bytesText(d.memoryBytes),
      `${d.idlePowerW}–${d.maxPowerW} W`,
      d.name,
    ]);
    console.log(`(${UNITS_NOTE})`);
    console.log(table(['id', 'kind', 'fp16 (or fp32)', 'int8', 'bandwidth', 'memory', 'power', 'name'], rows));
    console.log('\nAdd a device: --device my-device.json with the same fields (hwnas devices --json shows them).');
    return 0;
  },
};
