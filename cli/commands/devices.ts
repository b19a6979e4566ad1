import { builtinDevices } from '../../hardware/devices.js';
import { parseFlags } from '../args.js';
import type { Command } from '../command.js';
import { bytesText, si, table } from '../format.js';

export const command: Command = {
  name: 'devices',
  summary: 'list the built-in device profiles',
  usage: 'usage: hwnas devices [--json]',
  async run(argv) {
    const { values } = parseFlags('devices', argv, { json: { type: 'boolean' } });
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
    console.log(table(['id', 'kind', 'fp16 (or fp32)', 'int8', 'bandwidth', 'memory', 'power', 'name'], rows));
    console.log('\nAdd a device: --device my-device.json with the same fields (hwnas devices --json shows them).');
    return 0;
  },
};
