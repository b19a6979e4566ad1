/** A study as both stores hold it (SQLite and PostgreSQL share the hwnas_studies columns), and its record. */
import { decodeJson } from './json.js';
import type { StudyInputs } from '../study-inputs.js';
import type { StudyRecord, StudyStatus, StudySummary } from './types.js';

export interface StudyRow {
  id: number;
  name: string;
  config: string;
  seed: number;
  space: string;
  device: string;
  objectives: string;
  constraints: string;
  strategy: string;
  status: StudyStatus;
  created_at: number;
  updated_at: number;
  hwnas_version: string;
  /** Absent in an SQLite v1 database read without migrating. */
  evaluator?: string | null;
  /** Absent before SQLite schema v8 / PostgreSQL schema v2. */
  inputs?: string | null;
  evaluations: number;
  failed: number;
  summary: string;
}

export function toStudy(r: StudyRow): StudyRecord {
  return {
    id: r.id,
    name: r.name,
    config: decodeJson(r.config),
    seed: r.seed,
    space: r.space,
    device: r.device,
    objectives: decodeJson(r.objectives),
    constraints: decodeJson(r.constraints),
    strategy: r.strategy,
    status: r.status,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    hwnasVersion: r.hwnas_version,
    ...(r.evaluator != null ? { evaluator: decodeJson(r.evaluator) } : {}),
    ...(r.inputs != null ? { inputs: JSON.parse(r.inputs) as StudyInputs } : {}),
    evaluations: r.evaluations,
    failed: r.failed,
    summary: decodeJson<StudySummary>(r.summary),
  };
}
