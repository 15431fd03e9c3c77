/**
 * A data set from CSV files (format and header rule: csvText.ts).
 *
 * - Features: every column but the target, in file order; every feature cell must be a number.
 * - Target: the column named `target`; in a file without a header, `colK` or K (0-based; -1 = last).
 * - Task: `task` when set. Otherwise classification when any target cell is not a number, or when
 *   the targets are integers with at most MAX_INFERRED_CLASSES distinct values, each seen twice on
 *   average (0/1/2 labels); anything else is regression. The description says which was inferred.
 * - Classes are the distinct target values of train and test together, sorted (numbers numerically,
 *   strings by code unit), so labels do not depend on row order; numeric labels compare by value
 *   (`1` and `1.0` are one class).
 * - Test split: a fraction in (0, 1): round(fraction * rows) rows chosen by a seeded shuffle
 *   (Rng.derive(seed, 'csv', 'split')), the rest train in shuffled order; or the absolute path of a
 *   second CSV with the same columns (matched by name when the files have headers, else by position).
 * Every problem is an IwlError whose message names the file, the line, the column and the value.
 */
import { basename } from 'node:path';
import { IwlError } from '../util/iwlError';
import type { ErrorCode } from '../contract/errors';
import { Matrix } from '../util/matrix';
import { Rng } from '../util/rng';
import { detectHeader, isCsvError, parseCsvText, parseNumber } from './csvText';
import { findColumn } from './sources';
import { Dataset, Task, oneHot, throwIfCancelled } from './datasetTypes';
import { datasetOf, readDataFile, takeRows, type LabelledRows } from './rows';

export const MAX_INFERRED_CLASSES = 20;

export interface CsvSpec {
  path: string;
  target: string;
  test: number | string;
  task: Task | null;
}

interface Table {
  file: string;
  hasHeader: boolean;
  columns: string[];
  /** Data rows (header excluded) and the 1-based line each starts on. */
  rows: string[][];
  lines: number[];
}

/** Rows of one split: feature cells, target cell, source line; `file` for messages. */
interface Part {
  file: string;
  hasHeader: boolean;
  columns: string[];
  featureIndex: number[];
  targetIndex: number;
  /** 0-based column in the source file of each column in `columns` (test files may order them differently). */
  positions: number[];
  rows: string[][];
  lines: number[];
}

export async function loadCsvDataset(spec: CsvSpec, seed: number, signal?: AbortSignal): Promise<Dataset> {
  const main = await readTable(spec.path, signal);
  const targetIndex = findColumn(main.columns, spec.target, main.hasHeader);
  if (targetIndex < 0) {
    const hint = main.hasHeader ? '' : ' (the file has no header: name the target as colK or K, 0-based)';
    throw new IwlError('DATA_CSV_NO_TARGET', `${main.file}: no target column ${JSON.stringify(spec.target)}; the columns are ${main.columns.map((c) => JSON.stringify(c)).join(', ')}${hint}`);
  }
  const featureIndex = main.columns.map((_, j) => j).filter((j) => j !== targetIndex);
  if (featureIndex.length === 0) throw new IwlError('DATA_CSV_NO_FEATURES', `${main.file}: the only column is the target ${JSON.stringify(main.columns[targetIndex])}; there are no feature columns`);
  const whole: Part = { file: main.file, hasHeader: main.hasHeader, columns: main.columns, featureIndex, targetIndex, positions: main.columns.map((_, j) => j), rows: main.rows, lines: main.lines };

  if (main.rows.length === 0) throw new IwlError('DATA_TOO_FEW_ROWS', `${main.file}: the file has a header but no data rows`);
  const testFile = typeof spec.test === 'number' ? null : matchColumns(whole, await readTable(spec.test, signal));
  throwIfCancelled(signal);
  const targetCells = [...whole.rows, ...(testFile?.rows ?? [])].map((r) => r[targetIndex]);
  const inferred = spec.task === null;
  const task = spec.task ?? inferTask(targetCells);
  const classNames = task === 'classification' ? classesOf(targetCells) : null;

  // Converted in file order, so an error names the first bad line.
  const all = convert(whole, classNames);
  let train: Converted;
  let test: Converted;
  let split: string;
  if (testFile === null) {
    const [trainRows, testRows] = splitByFraction(whole, spec.test as number, seed);
    [train, test] = [takeRows(all, trainRows), takeRows(all, testRows)];
    split = `${Math.round((spec.test as number) * 100)}% held out by seed ${seed}`;
  } else {
    if (testFile.rows.length < 1) throw new IwlError('DATA_TOO_FEW_ROWS', `${testFile.file}: no data rows for testing`);
    [train, test] = [all, convert(testFile, classNames)];
    split = `test from ${basename(testFile.file)}`;
  }

  const targetName = JSON.stringify(main.columns[targetIndex]);
  const how = `${task}${classNames ? `, ${classNames.length} classes` : ''}${inferred ? ', inferred from the target; set data.task to override' : ''}`;
  return datasetOf(task, classNames, train, test, `csv ${basename(main.file)}: ${featureIndex.length} features, target ${targetName} (${how}), ${train.x.rows} train + ${test.x.rows} test rows (${split})`);
}

type Converted = LabelledRows;

/** Features, and one-hot targets over `classNames` (classification) or the target values (regression, null). */
function convert(part: Part, classNames: string[] | null): Converted {
  const x = features(part);
  if (classNames === null) return { x, y: regressionTargets(part), labels: null };
  const labels = labelsOf(part, classNames);
  return { x, y: oneHot(labels, classNames.length), labels };
}

async function readTable(file: string, signal?: AbortSignal): Promise<Table> {
  const bytes = await readDataFile(file, signal);
  if (bytes.includes(0)) throw new IwlError('DATA_CSV_BINARY', `${file}: not a text file (it contains NUL bytes)`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (cause) {
    throw new IwlError('DATA_CSV_ENCODING', `${file}: not valid UTF-8 text`, { cause });
  }
  const table = parseCsvText(text);
  if (isCsvError(table)) throw new IwlError('DATA_CSV_SYNTAX', `${file}:${table.line}: ${table.error}`);
  if (table.rows.length === 0) throw new IwlError('DATA_TOO_FEW_ROWS', `${file}: the file has no rows`);
  const hasHeader = detectHeader(table.rows);
  const columns = hasHeader ? table.rows[0] : table.rows[0].map((_, j) => `col${j}`);
  const skip = hasHeader ? 1 : 0;
  return { file, hasHeader, columns, rows: table.rows.slice(skip), lines: table.lines.slice(skip) };
}

/** Row indices [train, test]: the test rows are the first round(fraction * n) of a seeded shuffle. */
function splitByFraction(whole: Part, fraction: number, seed: number): [Int32Array, Int32Array] {
  if (!(fraction > 0 && fraction < 1)) {
    throw new IwlError('DATA_BAD_SPLIT', `${whole.file}: test must be a fraction strictly between 0 and 1 or a file path, got ${fraction}`);
  }
  const n = whole.rows.length;
  const nTest = Math.round(fraction * n);
  if (nTest < 1 || n - nTest < 1) {
    throw new IwlError('DATA_TOO_FEW_ROWS', `${whole.file}: ${n} data ${n === 1 ? 'row' : 'rows'} with test fraction ${fraction} leaves ${n - nTest} for training and ${nTest} for testing; each needs at least 1`);
  }
  const order = Int32Array.from({ length: n }, (_, i) => i);
  Rng.derive(seed, 'csv', 'split').shuffle(order);
  return [order.slice(nTest), order.slice(0, nTest)];
}

/** The test table's rows reordered into the train table's columns; an error when the columns differ. */
function matchColumns(train: Part, test: Table): Part {
  const mismatch = (detail: string) =>
    new IwlError('DATA_CSV_COLUMNS_MISMATCH', `${test.file}: the test file's columns do not match ${train.file}: ${detail}`);
  if (test.hasHeader !== train.hasHeader) {
    throw mismatch(train.hasHeader ? 'the test file has no header' : 'the test file has a header and the train file has none');
  }
  if (test.columns.length !== train.columns.length) {
    throw mismatch(`${test.columns.length} columns against ${train.columns.length}`);
  }
  if (!test.hasHeader) return { ...train, file: test.file, rows: test.rows, lines: test.lines };
  const position = train.columns.map((name) => test.columns.indexOf(name));
  const missing = train.columns.filter((_, j) => position[j] < 0);
  if (missing.length) {
    const extra = test.columns.filter((c) => !train.columns.includes(c));
    throw mismatch(`missing ${missing.map((c) => JSON.stringify(c)).join(', ')}${extra.length ? `; it has ${extra.map((c) => JSON.stringify(c)).join(', ')} instead` : ''}`);
  }
  return { ...train, file: test.file, positions: position, rows: test.rows.map((r) => position.map((p) => r[p])), lines: test.lines };
}

/** [rows, features] float32; a cell that is not a number is an error naming file, line, column and value. */
function features(part: Part): Matrix {
  const d = part.featureIndex.length;
  const data = new Float32Array(part.rows.length * d);
  part.rows.forEach((r, i) => {
    part.featureIndex.forEach((j, k) => {
      const v = parseNumber(r[j]);
      if (v === null) throw cellError(part, i, j, 'is a feature column and needs a number', 'DATA_CSV_NOT_NUMERIC');
      data[i * d + k] = v;
    });
  });
  return { rows: part.rows.length, cols: d, data };
}

function regressionTargets(part: Part): Matrix {
  const data = new Float32Array(part.rows.length);
  part.rows.forEach((r, i) => {
    const v = parseNumber(r[part.targetIndex]);
    if (v === null) throw cellError(part, i, part.targetIndex, 'is the regression target and needs a number (set data.task: classification for class labels)', 'DATA_CSV_NOT_NUMERIC');
    data[i] = v;
  });
  return { rows: part.rows.length, cols: 1, data };
}

function inferTask(cells: string[]): Task {
  const values = cells.map(parseNumber);
  if (values.some((v) => v === null)) return 'classification';
  const distinct = new Set(values);
  const integers = values.every((v) => Number.isInteger(v));
  return integers && distinct.size <= MAX_INFERRED_CLASSES && distinct.size * 2 <= values.length ? 'classification' : 'regression';
}

/** The sorted class names: numbers by value (written as JS prints them) when every cell is numeric, else strings. */
function classesOf(cells: string[]): string[] {
  const values = cells.map(parseNumber);
  if (values.every((v) => v !== null)) return [...new Set(values as number[])].sort((a, b) => a - b).map(String);
  return [...new Set(cells)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function labelsOf(part: Part, classNames: string[]): Int32Array {
  // classesOf takes the numeric route exactly when every target cell is a number, and then every name is one.
  const numeric = classNames.every((c) => parseNumber(c) !== null);
  const index = new Map(classNames.map((c, k) => [c, k]));
  return Int32Array.from(part.rows, (r, i) => {
    const cell = r[part.targetIndex];
    if (cell === '') throw cellError(part, i, part.targetIndex, 'is the target and is empty', 'DATA_CSV_MISSING_VALUE');
    const key = numeric ? String(parseNumber(cell)) : cell;
    const k = index.get(key);
    if (k === undefined) throw cellError(part, i, part.targetIndex, 'holds an unknown class', 'DATA_CSV_MISSING_VALUE');
    return k;
  });
}

function cellError(part: Part, i: number, j: number, what: string, code: ErrorCode): IwlError {
  const cell = part.rows[i][j];
  const shown = cell === '' ? 'an empty cell' : JSON.stringify(cell);
  return new IwlError(code, `${part.file}:${part.lines[i]}: column ${JSON.stringify(part.columns[j])} (column ${part.positions[j] + 1}) ${what}, got ${shown}`);
}
