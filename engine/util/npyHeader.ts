/**
 * The header of a NumPy .npy file, read from its first bytes without the data: what the
 * validator needs to check data files (shape, dtype) on every keystroke, and what the reader
 * (engine/util/npy.ts) starts from. No imports: the experiment validator uses it.
 *
 * Layout: the magic "\x93NUMPY", major and minor version bytes, the header length (uint16 LE in
 * 1.0, uint32 in 2.0/3.0), then an ASCII Python dict literal such as
 * `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }`; the data follows it.
 */

export class NpyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NpyError';
  }
}

/** Little-endian dtypes the reader converts (floats stay float32/float64, integers and bools become float64). */
export const NPY_DTYPE_SIZES: Readonly<Record<string, number>> = {
  '<f8': 8, '<f4': 4, '<i8': 8, '<i4': 4, '<i2': 2, '|i1': 1, '<u8': 8, '<u4': 4, '<u2': 2, '|u1': 1, '|b1': 1,
};

export interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** Byte offset of the first value. */
  dataOffset: number;
}

export const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const MAGIC = NPY_MAGIC;

/** The header at the start of `bytes` (which may stop after it); throws NpyError naming what is wrong. */
export function parseNpyHeader(bytes: Uint8Array): NpyHeader {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new NpyError('not a .npy file (no \\x93NUMPY magic)');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number;
  let start: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new NpyError('truncated .npy header');
    headerLength = view.getUint32(8, true);
    start = 12;
  } else throw new NpyError(`unsupported .npy format version ${major}.${bytes[7]}`);
  if (start + headerLength > bytes.length) throw new NpyError('truncated .npy header');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLength));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new NpyError(`malformed .npy header: ${header.trim()}`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim().replace(/L$/, ''))
    .filter((s) => s !== '')
    .map((s) => {
      const v = Number(s);
      if (!Number.isInteger(v) || v < 0) throw new NpyError(`malformed .npy shape (${shapeText})`);
      return v;
    });
  if (NPY_DTYPE_SIZES[descr] === undefined) throw new NpyError(`unsupported .npy dtype '${descr}' (supported: ${Object.keys(NPY_DTYPE_SIZES).join(', ')})`);
  return { descr, fortranOrder: fortran === 'True', shape, dataOffset: start + headerLength };
}

/** Bytes enough for any header the engine writes or numpy writes for arrays of up to a few dimensions. */
export const NPY_HEADER_PREFIX_BYTES = 65536;
