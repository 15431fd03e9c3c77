/** A loaded data set: what training and the kernels consume. Plain data (it may cross a process boundary). */
import { CancelledError } from '../util/iwlError';
import { Matrix } from '../util/matrix';

export type Task = 'classification' | 'regression';

export interface Dataset {
  task: Task;
  /** Features per example (columns of xTrain and xTest). */
  inputDim: number;
  /** Columns of yTrain and yTest: the number of classes (classification) or of targets (regression). */
  outputs: number;
  /** Class k's name (classification), in label order; null for regression. */
  classNames: string[] | null;
  /** [nTrain, inputDim], float32. */
  xTrain: Matrix;
  /** [nTrain, outputs], float32: one-hot rows (classification) or the targets as given (regression). */
  yTrain: Matrix;
  /** Class index in 0..outputs-1 per training example (classification); null for regression. */
  labelsTrain: Int32Array | null;
  /** [nTest, inputDim], float32. */
  xTest: Matrix;
  /** [nTest, outputs], float32. */
  yTest: Matrix;
  labelsTest: Int32Array | null;
  /** Training points held out by `data.validation` (engine/data/validationSplit.ts); absent without one. */
  validation?: { x: Matrix; y: Matrix; labels: Int32Array | null };
  /** One line for people: source, sizes, task, and any choice made on the user's behalf. */
  description: string;
}

/** Rows of one-hot targets: row i has a 1 in column labels[i]. Shape [labels.length, classes], float32. */
export function oneHot(labels: Int32Array, classes: number): Matrix {
  const data = new Float32Array(labels.length * classes);
  for (let i = 0; i < labels.length; i++) data[i * classes + labels[i]] = 1;
  return { rows: labels.length, cols: classes, data };
}

/** Throws CancelledError when the caller has asked to stop (loaders check between stages). */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError('data loading cancelled');
}
