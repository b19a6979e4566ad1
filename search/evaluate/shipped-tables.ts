/**
 * The measured tables hwnas ships (data/), as table evaluators: NAS-Bench-201's trained accuracies for the nb201
 * space, and HELP's measured latency of a device for nb201 and fbnet (`--latency table --device pixel2`).
 */
import type { LatencySpaceId } from '../../predictors/latency/data.js';
import type { TableMetric, TableSpec } from './table.js';

/** Test accuracy after 200 epochs, mean over seeds (NATS-Bench topology space; data/accuracy/SOURCE.md). */
export const NB201_ACCURACY_METRICS: readonly TableMetric[] = [
  { name: 'cifar10Accuracy', unit: '%', direction: 'max', column: 'cifar10_test' },
  { name: 'cifar100Accuracy', unit: '%', direction: 'max', column: 'cifar100_test' },
  { name: 'imagenet16Accuracy', unit: '%', direction: 'max', column: 'imagenet16_test' },
];

export function nb201AccuracySpec(): TableSpec {
  return { kind: 'table', file: 'accuracy/nb201_accuracy.csv.gz', shipped: true, space: 'nb201', key: 'arch_str', metrics: NB201_ACCURACY_METRICS, files: {} };
}

/** HELP's measured latency (ms) of `device` (a column of the table, e.g. pixel2, raspi4, titan_rtx_256). */
export function helpLatencySpec(space: LatencySpaceId, device: string): TableSpec {
  return {
    kind: 'table',
    file: `latency/${space}_help_latency.csv.gz`,
    shipped: true,
    space,
    key: 'arch_str',
    metrics: [{ name: 'latencyMs', unit: 'ms', direction: 'min', column: device }],
    files: {},
  };
}
