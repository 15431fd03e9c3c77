/** Pieces every file-backed data source shares: reading a data file, and choosing rows of a split. */
import { readFile } from 'node:fs/promises';
import { IwlError } from '../util/iwlError';
import { errorMessage } from '../contract/errors';
import type { Matrix } from '../util/matrix';
import { throwIfCancelled, type Dataset, type Task } from './datasetTypes';

/** Inputs, targets and (classification) labels of the same points, row for row. */
export interface LabelledRows {
  x: Matrix;
  y: Matrix;
  labels: Int32Array | null;
}

/** The rows `indices` of `m`, in that order, float32. */
export function pickRows(m: Matrix, indices: ArrayLike<number>): Matrix {
  const data = new Float32Array(indices.length * m.cols);
  for (let i = 0; i < indices.length; i++) data.set(m.data.subarray(indices[i] * m.cols, (indices[i] + 1) * m.cols), i * m.cols);
  return { rows: indices.length, cols: m.cols, data };
}

/** The rows `indices` of inputs, targets and labels together. */
export function takeRows(c: LabelledRows, indices: Int32Array): LabelledRows {
  return { x: pickRows(c.x, indices), y: pickRows(c.y, indices), labels: c.labels ? Int32Array.from(indices, (r) => c.labels![r]) : null };
}

/** A data file's bytes; an unreadable file is DATA_FILE_UNREADABLE naming it, a cancelled read CancelledError. */
export async function readDataFile(file: string, signal?: AbortSignal): Promise<Buffer> {
  try {
    return await readFile(file, { signal });
  } catch (cause) {
    throwIfCancelled(signal);
    throw new IwlError('DATA_FILE_UNREADABLE', `${file}: cannot read the file (${errorMessage(cause)})`, { cause });
  }
}

/** A Dataset from its train and test rows (inputDim and outputs are their column counts). */
export function datasetOf(task: Task, classNames: string[] | null, train: LabelledRows, test: LabelledRows, description: string): Dataset {
  return {
    task,
    inputDim: train.x.cols,
    outputs: train.y.cols,
    classNames,
    xTrain: train.x,
    yTrain: train.y,
    labelsTrain: train.labels,
    xTest: test.x,
    yTest: test.y,
    labelsTest: test.labels,
    description,
  };
}
