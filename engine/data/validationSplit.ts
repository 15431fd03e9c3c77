/**
 * `data.validation`: a fraction of the training points held out, chosen by a seeded shuffle
 * (Rng.derive(seed, 'validation')), so that models can be compared and a best point chosen
 * without looking at the test set. Models train on the rest.
 *
 * Trainers know nothing of it: the run evaluates the validation points as extra rows after the
 * test points (`withValidationRows`), and metrics split the predictions again (`splitEvaluation`).
 */
import { Rng } from '../util/rng';
import type { Matrix } from '../util/matrix';
import { pickRows } from './rows';
import { validationCount } from './sources';
import type { Dataset } from './datasetTypes';

/** The dataset with round(fraction * train) training points moved to `validation` (train keeps its order otherwise). */
export function holdOutValidation(dataset: Dataset, fraction: number, seed: number): Dataset {
  const n = dataset.xTrain.rows;
  const held = validationCount(n, fraction);
  if (held < 1 || held >= n) throw new RangeError(`validation fraction ${fraction} of ${n} training points leaves ${n - held} to train and ${held} to validate on`);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  Rng.derive(seed, 'validation').shuffle(order);
  const validation = order.slice(0, held).sort();
  const chosen = new Uint8Array(n);
  validation.forEach((i) => (chosen[i] = 1));
  const train = Int32Array.from(order.filter((i) => !chosen[i]).sort());
  const labels = (l: Int32Array | null, rows: Int32Array) => (l ? Int32Array.from(rows, (r) => l[r]) : null);
  return {
    ...dataset,
    xTrain: pickRows(dataset.xTrain, train),
    yTrain: pickRows(dataset.yTrain, train),
    labelsTrain: labels(dataset.labelsTrain, train),
    validation: { x: pickRows(dataset.xTrain, validation), y: pickRows(dataset.yTrain, validation), labels: labels(dataset.labelsTrain, validation) },
    description: `${dataset.description}; ${held} of the ${n} training points held out for validation (seed ${seed})`,
  };
}

function stack(a: Matrix, b: Matrix): Matrix {
  const data = new Float32Array((a.rows + b.rows) * a.cols);
  data.set(a.data, 0);
  data.set(b.data, a.rows * a.cols);
  return { rows: a.rows + b.rows, cols: a.cols, data };
}

/** What trainers see: the validation points appended to the test points (no validation: the dataset itself). */
export function withValidationRows(dataset: Dataset): Dataset {
  const v = dataset.validation;
  if (!v) return dataset;
  const labels = dataset.labelsTest && v.labels ? Int32Array.from([...dataset.labelsTest, ...v.labels]) : null;
  const { validation: _validation, ...rest } = dataset;
  return { ...rest, xTest: stack(dataset.xTest, v.x), yTest: stack(dataset.yTest, v.y), labelsTest: labels };
}

/** Predictions over [test; validation] rows (k per row) split back into the test and validation parts. */
export function splitEvaluation<T extends Float32Array | Float64Array>(predictions: T, testRows: number, outputs: number): { test: T; validation: T | null } {
  const cut = testRows * outputs;
  if (predictions.length === cut) return { test: predictions, validation: null };
  return { test: predictions.subarray(0, cut) as T, validation: predictions.subarray(cut) as T };
}
