/**
 * What a run writes, as plain data: one line of metrics.jsonl and one entry of summary.json's runs.
 * This file imports nothing, so the engine, the VS Code host and the panels all compile it and
 * agree on one definition.
 */

/** One logged point of one job: a line of metrics.jsonl. */
export interface MetricRecord {
  id: string;
  model: string;
  width: number | null;
  seed: number | null;
  step: number;
  trainLoss: number;
  testLoss: number;
  testAccuracy?: number;
  /** RMSE between this finite job's test predictions and its infinite limit's at the same step. */
  rmseToLimit?: number;
  elapsedSeconds: number;
}

/** A job's final figures, as summary.json's runs[] lists them (the parts every reader uses). */
export interface JobSummary {
  id: string;
  model: string;
  kind: 'finite' | 'infinite';
  method: string | null;
  optimizer: string;
  trainable: string | null;
  width: number | null;
  seed: number | null;
  status: 'completed' | 'cancelled' | 'failed';
  final: { step: number; trainLoss: number; testLoss: number; testAccuracy: number | null } | null;
  rmseToLimit: number | null;
  /** The infinite job this finite job converges to, if the file has one. */
  limit: string | null;
}
