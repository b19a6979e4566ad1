/**
 * NAS-Bench-201's CIFAR-10 test accuracy of every cell (NATS-Bench topology space, 200 epochs, mean over seeds; the
 * table shipped in data/accuracy, with its source there), for the nb201 quality problem.
 */
import type { Genes } from '../../core/space.js';
import { nb201Space, parseNb201ArchStr } from '../../core/spaces/nb201.js';
import { readTextFile, shippedDataFile } from '../../hardware/shipped-files.js';

/** Accuracy (percent) by cell; throws naming the file and row on a bad row or a missing cell. */
export function nb201Accuracy(): (genes: Genes) => number {
  const file = shippedDataFile('accuracy/nb201_accuracy.csv.gz');
  const lines = readTextFile(file).trim().split(/\r?\n/);
  const header = lines[0].split(',');
  const arch = header.indexOf('arch_str');
  const acc = header.indexOf('cifar10_test');
  if (arch < 0 || acc < 0) throw new Error(`${file}: expected columns arch_str and cifar10_test`);
  const byKey = new Map<string, number>();
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i].split(',');
    const value = Number(cells[acc]);
    if (!(value >= 0 && value <= 100)) throw new Error(`${file}: row ${i}: cifar10_test '${cells[acc]}' is not a percentage`);
    byKey.set(nb201Space.key(parseNb201ArchStr(cells[arch])), value);
  }
  if (byKey.size !== nb201Space.size()) throw new Error(`${file}: ${byKey.size} cells, expected ${nb201Space.size()}`);
  return (genes) => byKey.get(nb201Space.key(genes))!;
}
