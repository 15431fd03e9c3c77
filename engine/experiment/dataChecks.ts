/**
 * The checked `data` mapping -> a DataSpec, with the checks that need the source: MNIST's class
 * counts, the CSV files (existence, folder tree, shape, target column), and the split sizes.
 */
import { DataSpec } from './experimentTypes';
import { CheckContext, INVALID } from './check';
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

type Raw = Record<string, unknown>;

const valid = (raw: Raw): boolean => Object.values(raw).every((v) => v !== INVALID);

export function checkData(raw: unknown, filePath: string, host: ValidationHost, ctx: CheckContext): CheckedData | null {
  if (raw === INVALID || typeof raw !== 'object' || raw === null) return null;
  const d = raw as Raw;
  if (d.source === 'mnist') return checkMnist(d, ctx);
  if (d.source === 'synthetic') return checkSynthetic(d, ctx);
  if (d.source === 'csv') return checkCsv(d, filePath, host, ctx);
  if (d.source === 'npy') return checkNpy(d, filePath, host, ctx);
  return null;
}

function checkMnist(d: Raw, ctx: CheckContext): CheckedData | null {
  if (!valid(d) || (Array.isArray(d.classes) && d.classes.includes(INVALID))) return null;
  const classes = (d.classes as number[] | null | undefined) ?? null;
  const train = d.train as number;
  const test = d.test as number;
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

function checkSynthetic(d: Raw, ctx: CheckContext): CheckedData | null {
  if (!valid(d)) return null;
  const kind = d.kind as 'teacher' | 'sine' | 'gaussians';
  const outputs = d.outputs as number;
  const noise = d.noise as number;
  if (kind === 'gaussians' && outputs < 2) {
    const at = ctx.nodes.has('data.outputs') ? 'data.outputs' : 'data.kind';
    ctx.error('out-of-range', 'data.outputs', `for kind gaussians outputs is the number of classes and must be at least 2, got ${outputs}`, ctx.rangeOf(at));
    return null;
  }
  if (kind === 'gaussians' && noise > 1) {
    ctx.error('out-of-range', 'data.noise', `for kind gaussians noise is the probability of a flipped label and must be at most 1, got ${noise}`, ctx.rangeOf('data.noise'));
    return null;
  }
  const spec: DataSpec = { source: 'synthetic', kind, inputDim: d.inputDim as number, train: d.train as number, test: d.test as number, outputs, noise };
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

function checkCsv(d: Raw, filePath: string, host: ValidationHost, ctx: CheckContext): CheckedData | null {
  if (typeof d.path !== 'string' || typeof d.target !== 'string' || d.test === INVALID || d.task === INVALID) return null;
  const target = d.target;
  const task = (d.task as 'classification' | 'regression' | null | undefined) ?? null;
  const path = checkReferencedFile(d.path, 'data.path', filePath, host, ctx);
  const testPath = typeof d.test === 'string' ? checkReferencedFile(d.test, 'data.test', filePath, host, ctx) : null;
  if (path === null || (typeof d.test === 'string' && testPath === null)) return null;
  const main = inspectCsv(target, path, 'data.path', host, ctx);
  if (!main) return null;
  let train: number;
  let test: number;
  if (typeof d.test === 'number') {
    test = Math.round(d.test * main.rows);
    train = main.rows - test;
    if (train < 1 || test < 1) {
      ctx.error('too-few-samples', 'data.test', `${main.rows} data row${main.rows === 1 ? '' : 's'} with test fraction ${d.test} leave${main.rows === 1 ? 's' : ''} ${train} for training and ${test} for testing; each needs at least 1`, ctx.rangeOf(ctx.nodes.has('data.test') ? 'data.test' : 'data.path'));
      return null;
    }
  } else {
    const second = inspectCsv(target, testPath as string, 'data.test', host, ctx);
    if (!second) return null;
    train = main.rows;
    test = second.rows;
    for (const [facts, key] of [[main, 'data.path'], [second, 'data.test']] as const) {
      if (facts.rows < 1) {
        ctx.error('too-few-samples', key, `${key === 'data.path' ? path : testPath} has no data rows`, ctx.rangeOf(key));
        return null;
      }
    }
  }
  const spec: DataSpec = { source: 'csv', path, target, test: typeof d.test === 'number' ? d.test : (testPath as string), task };
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
