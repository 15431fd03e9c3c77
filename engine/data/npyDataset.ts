/**
 * A data set from NumPy .npy files (`data: { source: npy, x, y, test }`):
 *
 * - x: inputs [N, d] of any dtype the reader takes (float32, float64, integers, bools), as float32.
 * - y: [N] class labels or one regression target, or [N, k] one-hot rows or k regression targets.
 *   Task: `task` when set; otherwise classification for [N, k] rows that are all one-hot, or for
 *   [N] integer values with at most MAX_INFERRED_CLASSES distinct values, each seen twice on
 *   average (the csv rule); anything else is regression. Labels are the sorted distinct values of
 *   train and test together; one-hot columns are the classes 0..k-1.
 * - test: a fraction in (0, 1), round(fraction * N) rows chosen by a seeded shuffle
 *   (Rng.derive(seed, 'npy', 'split')), the rest train in shuffled order; or `{ x, y }` files.
 * Every problem is an IwlError naming the file and what is wrong (magic, dtype, shape, a value).
 */
import { basename } from 'node:path';
import type { NpyDataSpec } from '../experiment/experimentTypes';
import { IwlError } from '../util/iwlError';
import type { Matrix } from '../util/matrix';
import { decodeNpy, type NpyArray } from '../util/npy';
import { NpyError } from '../util/npyHeader';
import { Rng } from '../util/rng';
import { MAX_INFERRED_CLASSES } from './csvDataset';
import { Dataset, Task, oneHot, throwIfCancelled } from './datasetTypes';
import { datasetOf, readDataFile, takeRows, type LabelledRows } from './rows';

async function readArray(file: string, signal?: AbortSignal): Promise<NpyArray> {
  const bytes = await readDataFile(file, signal);
  try {
    return decodeNpy(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (cause) {
    if (cause instanceof NpyError) throw new IwlError('DATA_NPY_INVALID', `${file}: ${cause.message}`, { cause });
    throw cause;
  }
}

interface Part {
  x: NpyArray;
  y: NpyArray;
  xFile: string;
  yFile: string;
}

function checkShapes(p: Part, d: number | null, yCols: number | null): void {
  const bad = (file: string, what: string) => new IwlError('DATA_NPY_SHAPE_MISMATCH', `${file}: ${what}`);
  if (p.x.shape.length !== 2) throw bad(p.xFile, `shape (${p.x.shape.join(', ')}): inputs need shape [N, d]`);
  if (d !== null && p.x.shape[1] !== d) throw bad(p.xFile, `${p.x.shape[1]} columns, the training inputs have ${d}`);
  if (p.y.shape.length !== 1 && p.y.shape.length !== 2) throw bad(p.yFile, `shape (${p.y.shape.join(', ')}): targets need shape [N] or [N, k]`);
  if (p.y.shape[0] !== p.x.shape[0]) throw bad(p.yFile, `${p.y.shape[0]} rows, ${basename(p.xFile)} has ${p.x.shape[0]}`);
  const cols = p.y.shape.length === 2 ? p.y.shape[1] : 0;
  if (yCols !== null && cols !== yCols) throw bad(p.yFile, `shape (${p.y.shape.join(', ')}) does not match the training targets`);
  for (const [a, file] of [[p.x, p.xFile], [p.y, p.yFile]] as const) {
    const i = a.data.findIndex((v) => !Number.isFinite(v));
    if (i >= 0) {
      const cols2 = a.shape[1] ?? 1;
      throw new IwlError('DATA_NPY_INVALID', `${file}: row ${Math.floor(i / cols2)}${a.shape.length === 2 ? `, column ${i % cols2}` : ''} is ${a.data[i]}; every value must be finite`);
    }
  }
}

const isOneHot = (y: NpyArray): boolean => {
  const k = y.shape[1];
  for (let i = 0; i < y.shape[0]; i++) {
    let ones = 0;
    for (let j = 0; j < k; j++) {
      const v = y.data[i * k + j];
      if (v === 1) ones++;
      else if (v !== 0) return false;
    }
    if (ones !== 1) return false;
  }
  return true;
};

function inferTask(ys: NpyArray[]): Task {
  if (ys[0].shape.length === 2) return ys.every(isOneHot) ? 'classification' : 'regression';
  const values = ys.flatMap((y) => Array.from(y.data));
  const distinct = new Set(values);
  return values.every(Number.isInteger) && distinct.size <= MAX_INFERRED_CLASSES && distinct.size * 2 <= values.length ? 'classification' : 'regression';
}

type Converted = LabelledRows;

function convert(p: Part, task: Task, classes: number[] | null): Converted {
  const x: Matrix = { rows: p.x.shape[0], cols: p.x.shape[1], data: Float32Array.from(p.x.data) };
  const n = x.rows;
  if (task === 'regression') return { x, y: { rows: n, cols: p.y.shape[1] ?? 1, data: Float32Array.from(p.y.data) }, labels: null };
  if (p.y.shape.length === 2) {
    if (!isOneHot(p.y)) throw new IwlError('DATA_NPY_INVALID', `${p.yFile}: task is classification, but its rows are not one-hot (one 1, the rest 0); give labels of shape [N], or set task: regression`);
    const k = p.y.shape[1];
    const labels = Int32Array.from({ length: n }, (_, i) => p.y.data.subarray(i * k, (i + 1) * k).indexOf(1));
    return { x, y: oneHot(labels, k), labels };
  }
  const index = new Map(classes!.map((c, i) => [c, i]));
  const labels = Int32Array.from(p.y.data, (v) => index.get(v)!);
  return { x, y: oneHot(labels, classes!.length), labels };
}

export async function loadNpyDataset(spec: NpyDataSpec, seed: number, signal?: AbortSignal): Promise<Dataset> {
  const main: Part = { x: await readArray(spec.x, signal), y: await readArray(spec.y, signal), xFile: spec.x, yFile: spec.y };
  checkShapes(main, null, null);
  const second: Part | null = typeof spec.test === 'object'
    ? { x: await readArray(spec.test.x, signal), y: await readArray(spec.test.y, signal), xFile: spec.test.x, yFile: spec.test.y }
    : null;
  if (second) checkShapes(second, main.x.shape[1], main.y.shape.length === 2 ? main.y.shape[1] : 0);
  throwIfCancelled(signal);
  const ys = second ? [main.y, second.y] : [main.y];
  const task = spec.task ?? inferTask(ys);
  const classes = task === 'classification' && main.y.shape.length === 1 ? [...new Set(ys.flatMap((y) => Array.from(y.data)))].sort((a, b) => a - b) : null;
  const all = convert(main, task, classes);
  let train: Converted;
  let test: Converted;
  let split: string;
  if (second) {
    [train, test] = [all, convert(second, task, classes)];
    split = `test from ${basename(second.xFile)}`;
  } else {
    const n = all.x.rows;
    const nTest = Math.round((spec.test as number) * n);
    if (nTest < 1 || n - nTest < 1) throw new IwlError('DATA_TOO_FEW_ROWS', `${spec.x}: ${n} rows with test fraction ${spec.test} leave ${n - nTest} for training and ${nTest} for testing; each needs at least 1`);
    const order = Int32Array.from({ length: n }, (_, i) => i);
    Rng.derive(seed, 'npy', 'split').shuffle(order);
    [train, test] = [takeRows(all, order.slice(nTest)), takeRows(all, order.slice(0, nTest))];
    split = `${Math.round((spec.test as number) * 100)}% held out by seed ${seed}`;
  }
  const outputs = train.y.cols;
  const classNames = task === 'classification' ? (classes ? classes.map(String) : Array.from({ length: outputs }, (_, k) => String(k))) : null;
  const inferred = spec.task === null ? ', inferred from y; set data.task to override' : '';
  return datasetOf(task, classNames, train, test, `npy ${basename(spec.x)} (${main.x.descr}) and ${basename(spec.y)} (${main.y.descr}): ${train.x.cols} features, ${task}${classNames ? `, ${classNames.length} classes` : ''}${inferred}, ${train.x.rows} train + ${test.x.rows} test rows (${split})`);
}
