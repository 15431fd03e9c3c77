/**
 * Loads the x1 / x2 matrices of a kernel spec: inline rows, .npy files (2-D, any float or integer
 * dtype, see util/npy.ts) and numeric .csv files.
 *
 * CSV: comma-separated numbers, one point per record (RFC 4180 quoting, see data/csvText.ts). A first
 * row with any non-numeric cell is a header and is skipped; every other cell must be a plain
 * decimal number. Problems are reported with the file, line and column.
 */
import { readFileSync } from 'node:fs';
import { parseCsvText, isCsvError, looksLikeHeader, parseNumber } from '../data/csvText';
import { MatrixSource } from '../experiment/kernelSpec';
import { Matrix, fromRows, matrix } from '../util/matrix';
import { NpyError, decodeNpy } from '../util/npy';
import { errorMessage } from '../contract/errors';

/** A problem in a matrix file, located for a `FILE:LINE:COL: error CODE: message` line (1-based). */
export class MatrixFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'MatrixFileError';
  }
}

export function loadMatrix(source: MatrixSource, label: string): Matrix {
  if (source.kind === 'inline') return fromRows(source.rows);
  let bytes: Uint8Array;
  try {
    const b = readFileSync(source.path);
    bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (error) {
    throw new MatrixFileError(source.path, 1, 1, 'file-unreadable', `${label}: cannot read the file (${errorMessage(error)})`);
  }
  return source.format === 'npy' ? npyMatrix(bytes, source.path, label) : csvMatrix(bytes, source.path, label);
}

function npyMatrix(bytes: Uint8Array, path: string, label: string): Matrix {
  let array;
  try {
    array = decodeNpy(bytes);
  } catch (error) {
    if (error instanceof NpyError) throw new MatrixFileError(path, 1, 1, 'npy-invalid', `${label}: ${error.message}`);
    throw error;
  }
  if (array.shape.length !== 2) {
    throw new MatrixFileError(path, 1, 1, 'matrix-shape', `${label}: the array has shape (${array.shape.join(', ')}); expected 2-D [points, inputDim]`);
  }
  const [rows, cols] = array.shape;
  if (rows === 0 || cols === 0) throw new MatrixFileError(path, 1, 1, 'matrix-empty', `${label}: the array has shape (${rows}, ${cols}); it needs at least one point and one column`);
  const data = array.data instanceof Float64Array ? array.data : Float64Array.from(array.data);
  const bad = data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    throw new MatrixFileError(path, 1, 1, 'matrix-not-finite', `${label}: entry [${Math.floor(bad / cols)}, ${bad % cols}] is ${data[bad]}; every entry must be a finite number`);
  }
  return matrix(rows, cols, data);
}

function csvMatrix(bytes: Uint8Array, path: string, label: string): Matrix {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  const table = parseCsvText(text);
  if (isCsvError(table)) throw new MatrixFileError(path, table.line, 1, 'csv-invalid', `${label}: ${table.error}`);
  const header = table.rows.length > 0 && looksLikeHeader(table.rows[0]);
  const first = header ? 1 : 0;
  const n = table.rows.length - first;
  if (n <= 0) throw new MatrixFileError(path, 1, 1, 'matrix-empty', `${label}: the file has no rows of numbers${header ? ' after its header' : ''}`);
  const cols = table.rows[first].length;
  const data = new Float64Array(n * cols);
  for (let i = 0; i < n; i++) {
    const row = table.rows[first + i];
    for (let j = 0; j < cols; j++) {
      const v = parseNumber(row[j]);
      if (v === null) {
        const line = table.lines[first + i];
        const column = fieldColumn(text.split(/\r\n|\r|\n/)[line - 1] ?? '', j);
        throw new MatrixFileError(path, line, column, 'matrix-not-numeric', `${label}: field ${j + 1} of line ${line} is ${JSON.stringify(row[j])}, not a number`);
      }
      data[i * cols + j] = v;
    }
  }
  return matrix(n, cols, data);
}

/** 1-based character column where field `index` of a CSV line starts (quotes respected). */
function fieldColumn(line: string, index: number): number {
  let field = 0;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    if (field === index) {
      while (line[i] === ' ' || line[i] === '\t') i++;
      return i + 1;
    }
    const c = line[i];
    if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) field++;
  }
  return line.length + 1;
}
