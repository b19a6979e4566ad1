/**
 * Training-run data sets shipped with hwnas (data/scaling), by name, each with the column mapping and the row
 * filter its source's own fit uses, so `hwnas fit --data chinchilla-epoch` reproduces that fit as published.
 */
import { readTextFile, shippedDataFile } from '../../hardware/shipped-files.js';
import type { ColumnMap, Table } from './data.js';
import { filterRows, parseCsv } from './data.js';

export interface ShippedFitData {
  /** Under data/. */
  readonly file: string;
  readonly source: string;
  readonly map: ColumnMap;
  /** Rows kept (every filter must match), as the source's fit keeps them. */
  readonly where: readonly { readonly column: string; readonly value: string }[];
}

export const SHIPPED_FIT_DATA = {
  'chinchilla-epoch': {
    file: 'scaling/chinchilla_epoch_clean_N_D_C_loss.csv.gz',
    source: "Chinchilla's runs as extracted by Epoch AI (Besiroglu et al. 2024), less the 5 highest-loss points Epoch excludes: 240 points",
    map: { params: 'N_params', trainingTokens: 'D_tokens', loss: 'loss' },
    where: [{ column: 'excluded_by_epoch_top5_loss', value: '0' }],
  },
  'gemstones-hot': {
    file: 'scaling/gemstones/wandb_df_for_fitting_hot.csv.gz',
    source: 'Gemstones (McLeish et al. 2025), 220 checkpoints before cool-down',
    map: { params: 'params_active_precise', trainingTokens: 'tokens', loss: 'final_loss', width: 'width', depth: 'depth' },
    where: [],
  },
} as const satisfies Record<string, ShippedFitData>;

export type ShippedFitDataId = keyof typeof SHIPPED_FIT_DATA;
export const SHIPPED_FIT_DATA_IDS = Object.keys(SHIPPED_FIT_DATA) as ShippedFitDataId[];

export function isShippedFitData(name: string): name is ShippedFitDataId {
  return Object.hasOwn(SHIPPED_FIT_DATA, name);
}

/** The data set's table with its rows filtered as its source fits them (messages name it by its id). */
export function loadShippedFitTable(id: ShippedFitDataId): Table {
  const spec: ShippedFitData = SHIPPED_FIT_DATA[id];
  return filterRows(parseCsv(readTextFile(shippedDataFile(spec.file)), id), id, spec.where);
}
