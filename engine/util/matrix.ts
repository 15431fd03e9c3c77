/** A dense row-major matrix of plain numbers: the currency between data, kernels and files. */
export interface Matrix {
  rows: number;
  cols: number;
  /** Row-major, length rows * cols. */
  data: Float64Array | Float32Array;
}

export function matrix(rows: number, cols: number, data?: Float64Array | Float32Array): Matrix {
  const values = data ?? new Float64Array(rows * cols);
  if (values.length !== rows * cols) {
    throw new RangeError(`matrix: data has ${values.length} values, expected ${rows} x ${cols} = ${rows * cols}`);
  }
  return { rows, cols, data: values };
}

export function fromRows(rows: number[][]): Matrix {
  const cols = rows.length ? rows[0].length : 0;
  const data = new Float64Array(rows.length * cols);
  rows.forEach((row, i) => {
    if (row.length !== cols) throw new RangeError(`matrix: row ${i} has ${row.length} values, expected ${cols}`);
    data.set(row, i * cols);
  });
  return { rows: rows.length, cols, data };
}

export function row(m: Matrix, i: number): Float64Array | Float32Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

export function toRows(m: Matrix): number[][] {
  return Array.from({ length: m.rows }, (_, i) => Array.from(row(m, i)));
}
