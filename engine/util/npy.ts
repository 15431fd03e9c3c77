/**
 * NumPy's .npy format (version 1.0 written; 1.0, 2.0 and 3.0 read), so kernels and predictions
 * move to and from Python: `np.load('nngp.npy')`.
 *
 * Layout: the magic "\x93NUMPY", major and minor version bytes, the header length (uint16 LE in
 * 1.0, uint32 in 2.0/3.0), then an ASCII Python dict literal such as
 * `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }` padded with spaces and ending
 * in '\n' so the data starts at a multiple of 64 bytes, then the raw little-endian values.
 * The header is written exactly as numpy 2 writes it.
 * Writes '<f8' (Float64Array) and '<f4' (Float32Array) in C order, whole or piece by piece
 * (NpyMatrixWriter, for kernels larger than memory). Reads '<f8' and '<f4' into the
 * same types, and little-endian integer and bool arrays converted to Float64Array; Fortran order
 * is accepted for 1-D and 2-D arrays and returned in C order.
 */
import { closeSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { NPY_MAGIC as MAGIC, NpyError, parseNpyHeader } from './npyHeader';

export { NpyError } from './npyHeader';

export interface NpyArray {
  data: Float64Array | Float32Array;
  shape: number[];
  /** The dtype as stored in the file, e.g. '<f8'. */
  descr: string;
}

const GROWTH_AXIS_MAX_DIGITS = 21;

function shapeLiteral(shape: number[]): string {
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(', ')})`;
}

/** The header bytes of a .npy file (format 1.0): magic, version, length, dict, padding to 64. */
function npyHeader(descr: '<f8' | '<f4', shape: number[]): Uint8Array {
  if (shape.some((s) => !Number.isInteger(s) || s < 0)) throw new RangeError(`npy: shape ${JSON.stringify(shape)} must hold non-negative integers`);
  // As numpy writes it (byte for byte): the dict, spare spaces so the first axis can grow to 21
  // digits in place, then padding so the data starts at a multiple of 64.
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeLiteral(shape)}, }`;
  if (shape.length > 0) header += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length));
  const padding = 64 - ((MAGIC.length + 4 + header.length + 1) % 64);
  header += ' '.repeat(padding) + '\n';
  if (header.length > 0xffff) throw new RangeError('npy: header too long for format 1.0');
  const out = new Uint8Array(MAGIC.length + 4 + header.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = header.length & 0xff;
  out[9] = header.length >> 8;
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  return out;
}

/** The values' bytes, little-endian: the array's own memory on a little-endian host (no copy). */
function littleEndianBytes(data: Float64Array | Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) {
    if (data.BYTES_PER_ELEMENT === 8) view.setFloat64(i * 8, data[i], true);
    else view.setFloat32(i * 4, data[i], true);
  }
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The bytes of a .npy file (format 1.0) holding `data` with `shape` in C order. */
export function encodeNpy(data: Float64Array | Float32Array, shape: number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  const header = npyHeader(data instanceof Float64Array ? '<f8' : '<f4', shape);
  if (count !== data.length) throw new RangeError(`npy: shape ${shapeLiteral(shape)} holds ${count} values, the data has ${data.length}`);
  const out = new Uint8Array(header.length + data.byteLength);
  out.set(header, 0);
  out.set(littleEndianBytes(data), header.length);
  return out;
}

export function writeNpy(path: string, data: Float64Array | Float32Array, shape: number[]): void {
  const fd = openSync(path, 'w');
  try {
    const header = npyHeader(data instanceof Float64Array ? '<f8' : '<f4', shape);
    if (shape.reduce((a, b) => a * b, 1) !== data.length) throw new RangeError(`npy: shape ${shapeLiteral(shape)} holds ${shape.reduce((a, b) => a * b, 1)} values, the data has ${data.length}`);
    writeAll(fd, header, 0);
    writeAll(fd, littleEndianBytes(data), header.length);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
}

/**
 * A 2-D .npy file written piece by piece: the header first, then any contiguous run of a row at
 * its place (C order, so row tiles append and a symmetric kernel's mirrored pieces land in place).
 * Memory: only the piece being written. Values are stored as `dtype` (float32 rounds to nearest).
 */
export class NpyMatrixWriter {
  private readonly fd: number;
  private readonly offset: number;
  private readonly width: 4 | 8;
  private buffer: Float64Array | Float32Array;

  constructor(
    readonly path: string,
    readonly rows: number,
    readonly cols: number,
    readonly dtype: 'float32' | 'float64',
  ) {
    this.width = dtype === 'float32' ? 4 : 8;
    const header = npyHeader(dtype === 'float32' ? '<f4' : '<f8', [rows, cols]);
    this.offset = header.length;
    this.buffer = dtype === 'float32' ? new Float32Array(0) : new Float64Array(0);
    this.fd = openSync(path, 'w');
    try {
      writeAll(this.fd, header, 0);
      // The full size up front, so a piece may land before an earlier one (the file is sparse until written).
      ftruncateSync(this.fd, header.length + rows * cols * this.width);
    } catch (error) {
      closeSync(this.fd);
      throw error;
    }
  }

  /** values[from, from + count) (count defaults to the rest) to row `row`, columns [col, col + count). */
  write(row: number, col: number, values: ArrayLike<number>, from = 0, count = values.length - from): void {
    if (count <= 0) return;
    if (row < 0 || row >= this.rows || col < 0 || col + count > this.cols) throw new RangeError(`npy: piece (${row}, ${col}..${col + count}) outside ${this.rows} x ${this.cols}`);
    if (this.buffer.length < count) this.buffer = this.width === 4 ? new Float32Array(count) : new Float64Array(count);
    const b = this.buffer;
    for (let k = 0; k < count; k++) b[k] = values[from + k];
    writeAll(this.fd, littleEndianBytes(b.subarray(0, count)), this.offset + (row * this.cols + col) * this.width);
  }

  /** Row `row`, columns [col, col + count) from values[start + k * stride], k < count (a tile's column: a mirrored piece). */
  writeStrided(row: number, col: number, values: Float64Array | Float32Array, start: number, stride: number, count: number): void {
    if (count <= 0) return;
    if (this.buffer.length < count) this.buffer = this.width === 4 ? new Float32Array(count) : new Float64Array(count);
    const b = this.buffer;
    for (let k = 0; k < count; k++) b[k] = values[start + k * stride];
    if (row < 0 || row >= this.rows || col < 0 || col + count > this.cols) throw new RangeError(`npy: piece (${row}, ${col}..${col + count}) outside ${this.rows} x ${this.cols}`);
    writeAll(this.fd, littleEndianBytes(b.subarray(0, count)), this.offset + (row * this.cols + col) * this.width);
  }

  close(): void {
    closeSync(this.fd);
  }
}

interface Dtype {
  size: number;
  read(view: DataView, offset: number): number;
  float32?: boolean;
}

const DTYPES: Record<string, Dtype> = {
  '<f8': { size: 8, read: (v, o) => v.getFloat64(o, true) },
  '<f4': { size: 4, read: (v, o) => v.getFloat32(o, true), float32: true },
  '<i8': { size: 8, read: (v, o) => Number(v.getBigInt64(o, true)) },
  '<i4': { size: 4, read: (v, o) => v.getInt32(o, true) },
  '<i2': { size: 2, read: (v, o) => v.getInt16(o, true) },
  '|i1': { size: 1, read: (v, o) => v.getInt8(o) },
  '<u8': { size: 8, read: (v, o) => Number(v.getBigUint64(o, true)) },
  '<u4': { size: 4, read: (v, o) => v.getUint32(o, true) },
  '<u2': { size: 2, read: (v, o) => v.getUint16(o, true) },
  '|u1': { size: 1, read: (v, o) => v.getUint8(o) },
  '|b1': { size: 1, read: (v, o) => v.getUint8(o) },
};

/** Parses .npy bytes; throws NpyError with a message naming what is wrong. */
export function decodeNpy(input: ArrayBufferView): NpyArray {
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { descr, fortranOrder, shape, dataOffset: offset } = parseNpyHeader(bytes);
  const dtype = DTYPES[descr];
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length - offset < count * dtype.size) {
    throw new NpyError(`truncated .npy data: shape (${shape.join(', ')}) needs ${count * dtype.size} bytes, the file has ${bytes.length - offset}`);
  }
  const data = dtype.float32 ? new Float32Array(count) : new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = dtype.read(view, offset + i * dtype.size);
  if (fortranOrder && shape.length > 1) {
    if (shape.length > 2) throw new NpyError('Fortran-ordered .npy arrays with more than 2 dimensions are not supported');
    const [rows, cols] = shape;
    const c = dtype.float32 ? new Float32Array(count) : new Float64Array(count);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) c[i * cols + j] = data[j * rows + i];
    return { data: c, shape, descr };
  }
  return { data, shape, descr };
}

export function readNpy(path: string): NpyArray {
  const b = readFileSync(path);
  return decodeNpy(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
}
