/**
 * The checked `data` mapping -> a DataSpec, with the checks that need the source: MNIST's class
 * counts, the CSV files (existence, folder tree, shape, target column), and the split sizes.
 */
import { DataSpec } from './experimentTypes';
import { CheckContext, INVALID, complete } from './check';
import type { Checked } from './schemaDsl';
import type { dataSchema } from './schema';
import { ValidationHost } from './validationHost';
import { checkReferencedFile, readReferencedText } from './files';
import { checkNpy } from './npyChecks';
import { MNIST_INPUT_DIM, findColumn, inspectCsvText, mnistAvailable } from '../data/sources';

/** What later checks need to know about the data. `outputs` null: not known without loading it. */
export interface DataShape {
  train: number;
  test: number;
  inputDim: number;
  outputs: number | null;
  task: 'classification' | 'regression' | null;
}

export interface CheckedData {
  spec: DataSpec;
  /** null when the sizes cannot be known (a CSV file that could not be inspected). */
  shape: DataShape | null;
}

/** The `data` mapping of one source as the schema pass checked it. */
export type CheckedDataFile<Source extends DataSpec['source']> = Extract<Checked<typeof dataSchema>, { source: Source }>;

export function checkData(raw: Checked<typeof dataSchema>, filePath: string, host: ValidationHost, ctx: CheckContext): CheckedData | null {
  if (raw === INVALID) return null;
  if (raw.source === 'mnist') return checkMnist(raw, ctx);
  if (raw.source === 'synthetic') return checkSynthetic(raw, ctx);
  if (raw.source === 'csv') return checkCsv(raw, filePath, host, ctx);
  return checkNpy(raw, filePath, host, ctx);
}

function checkMnist(raw: CheckedDataFile<'mnist'>, ctx: CheckContext): CheckedData | null {
  const d = complete(raw);
  if (d === INVALID) return null;
  const { classes, train, test } = d;
  const available = mnistAvailable(classes);
  if (train + test > available) {
    const which = classes === null ? 'in all' : `of digits ${[...new Set(classes)].join(', ')}`;
    ctx.error('too-many-samples', 'data', `train ${train} + test ${test} = ${train + test} digits, but the mnist package has ${available} ${which}; lower data.train or data.test`, ctx.rangeOf(ctx.nodes.has('data.train') ? 'data.train' : 'data.source'));
    return null;
  }
  return {
    spec: { source: 'mnist', train, test, classes },
    shape: { train, test, inputDim: MNIST_INPUT_DIM, outputs: classes?.length ?? 10, task: 'classification' },
  };
}

function checkSynthetic(raw: CheckedDataFile<'synthetic'>, ctx: CheckContext): CheckedData | null {
  const d = complete(raw);
  if (d === INVALID) return null;
  const { kind, outputs, noise } = d;
  if (kind === 'gaussians' && outputs < 2) {
    const at = ctx.nodes.has('data.outputs') ? 'data.outputs' : 'data.kind';
    ctx.error('out-of-range', 'data.outputs', `for kind gaussians outputs is the number of classes and must be at least 2, got ${outputs}`, ctx.rangeOf(at));
    return null;
  }
  if (kind === 'gaussians' && noise > 1) {
    ctx.error('out-of-range', 'data.noise', `for kind gaussians noise is the probability of a flipped label and must be at most 1, got ${noise}`, ctx.rangeOf('data.noise'));
    return null;
  }
  const spec: DataSpec = { source: 'synthetic', kind, inputDim: d.inputDim, train: d.train, test: d.test, outputs, noise };
  return { spec, shape: { train: spec.train, test: spec.test, inputDim: spec.inputDim, outputs, task: kind === 'gaussians' ? 'classification' : 'regression' } };
}

interface CsvFacts {
  rows: number;
  columns: string[];
  targetIndex: number;
}

/** Inspects one CSV file and finds the target column in it; null after reporting a problem. */
function inspectCsv(target: string, absolute: string, path: string, host: ValidationHost, ctx: CheckContext): CsvFacts | null {
  const text = readReferencedText(absolute, path, host, ctx);
  if (text === null) return null;
  const inspection = inspectCsvText(text);
  if ('error' in inspection) {
    ctx.error('csv-invalid', path, `${absolute}:${inspection.line}: ${inspection.error}`, ctx.rangeOf(path));
    return null;
  }
  const targetIndex = findColumn(inspection.columns, target, inspection.hasHeader);
  if (targetIndex < 0) {
    const hint = inspection.hasHeader ? '' : ' (the file has no header row: name the target colK or K, 0-based)';
    const shown = inspection.columns.slice(0, 20).map((c) => JSON.stringify(c)).join(', ') + (inspection.columns.length > 20 ? ', ...' : '');
    ctx.error('csv-target-missing', 'data.target', `no column ${JSON.stringify(target)} in ${absolute}; its columns are ${shown}${hint}`, ctx.rangeOf(path === 'data.path' ? 'data.target' : path));
    return null;
  }
  if (inspection.columns.length < 2) {
    ctx.error('csv-invalid', path, `${absolute} has only the target column ${JSON.stringify(target)}; it needs at least one feature column`, ctx.rangeOf(path));
    return null;
  }
  const numeric = new Set(inspection.numericColumns);
  const nonNumeric = inspection.columns.find((c, j) => j !== targetIndex && !numeric.has(c));
  if (nonNumeric !== undefined) {
    ctx.error('csv-invalid', path, `${absolute}: feature column ${JSON.stringify(nonNumeric)} holds values that are not numbers; every column but the target must be numeric`, ctx.rangeOf(path));
    return null;
  }
  return { rows: inspection.rows, columns: inspection.columns, targetIndex };
}

function checkCsv(d: CheckedDataFile<'csv'>, filePath: string, host: ValidationHost, ctx: CheckContext): CheckedData | null {
  // `validation` is checked apart (validate.ts), so a bad fraction there still lets the files be checked.
  if (d.path === INVALID || d.target === INVALID || d.test === INVALID || d.task === INVALID) return null;
  const { target, task } = d;
  const path = checkReferencedFile(d.path, 'data.path', filePath, host, ctx);
  /** A fraction of the rows, or the test file's absolute path. */
  const testSplit = typeof d.test === 'string' ? checkReferencedFile(d.test, 'data.test', filePath, host, ctx) : d.test;
  if (path === null || testSplit === null) return null;
  const main = inspectCsv(target, path, 'data.path', host, ctx);
  if (!main) return null;
  let train: number;
  let test: number;
  if (typeof testSplit === 'number') {
    test = Math.round(testSplit * main.rows);
    train = main.rows - test;
    if (train < 1 || test < 1) {
      ctx.error('too-few-samples', 'data.test', `${main.rows} data row${main.rows === 1 ? '' : 's'} with test fraction ${testSplit} leave${main.rows === 1 ? 's' : ''} ${train} for training and ${test} for testing; each needs at least 1`, ctx.rangeOf(ctx.nodes.has('data.test') ? 'data.test' : 'data.path'));
      return null;
    }
  } else {
    const second = inspectCsv(target, testSplit, 'data.test', host, ctx);
    if (!second) return null;
    train = main.rows;
    test = second.rows;
    for (const [facts, key] of [[main, 'data.path'], [second, 'data.test']] as const) {
      if (facts.rows < 1) {
        ctx.error('too-few-samples', key, `${key === 'data.path' ? path : testSplit} has no data rows`, ctx.rangeOf(key));
        return null;
      }
    }
  }
  const spec: DataSpec = { source: 'csv', path, target, test: testSplit, task };
  return { spec, shape: { train, test, inputDim: main.columns.length - 1, outputs: task === 'regression' ? 1 : null, task } };
}

/** The shape each validated experiment's data was checked with, by its spec object (kept by copies of the experiment). */
const shapes = new WeakMap<DataSpec, DataShape>();

export function rememberShape(spec: DataSpec, shape: DataShape): void {
  shapes.set(spec, shape);
}

/** The data's shape as validation found it (after any validation split); null for an experiment not made by the validator here. */
export function dataShapeOf(spec: DataSpec): DataShape | null {
  return shapes.get(spec) ?? null;
}
