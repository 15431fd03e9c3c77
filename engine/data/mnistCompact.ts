/**
 * The packaged extension's copy of the mnist package's 10,000 digits: one gzipped binary file
 * (dist/data/mnist-digits.bin.gz, about 2 MB; 7.9 MB inflated) instead of the package's 41 MB of
 * JavaScript arrays. Written once by the production build (scripts/build.mjs --production) from
 * the package itself, and decoded to exactly the package's numbers.
 *
 * The package's pixels are k/255 rounded to three decimals, so a digit's pixels take at most 256
 * distinct values. The file stores those values once and every pixel as a one-byte index:
 *
 *   offset  size              content (little-endian)
 *   0       8                 magic "IWLMNIST"
 *   8       4                 format version (1)
 *   12      4                 classes C (10), then pixels per digit P (784) at 16
 *   20      4 * C             digits per class, counts[c]
 *   ..      4                 table length T (<= 256), then T float64 pixel values
 *   ..      P * sum(counts)   uint8 indices into the table: class 0's digits, then class 1's, ...
 *
 * Digits keep the package's order within their class, so a seeded draw picks the same digits
 * from either source.
 */
import { gunzipSync, gzipSync } from 'node:zlib';

export const mnistCompactFileName = 'mnist-digits.bin.gz';
const magic = 'IWLMNIST';
const formatVersion = 1;

/** One class of digits: `length` digits of `pixels` values back to back in `raw`. */
export interface MnistClassDigits {
  raw: ArrayLike<number>;
  length: number;
}

/** Encodes digit classes (the mnist package's array, or the result of decode) into the gzipped file. */
export function encodeMnistCompact(classes: readonly MnistClassDigits[], pixels: number): Uint8Array {
  const table: number[] = [];
  const index = new Map<number, number>();
  const total = classes.reduce((sum, c) => sum + c.length, 0);
  const codes = new Uint8Array(total * pixels);
  let at = 0;
  for (const [c, digits] of classes.entries()) {
    if (digits.raw.length !== digits.length * pixels) {
      throw new Error(`mnist class ${c}: ${digits.raw.length} values for ${digits.length} digits of ${pixels} pixels`);
    }
    for (let i = 0; i < digits.raw.length; i++) {
      const value = digits.raw[i];
      let code = index.get(value);
      if (code === undefined) {
        if (table.length === 256) throw new Error('mnist: more than 256 distinct pixel values; the compact format holds one byte per pixel');
        code = table.length;
        table.push(value);
        index.set(value, code);
      }
      codes[at++] = code;
    }
  }
  const headerLength = 20 + 4 * classes.length + 4 + 8 * table.length;
  const bytes = new Uint8Array(headerLength + codes.length);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < magic.length; i++) bytes[i] = magic.charCodeAt(i);
  view.setUint32(8, formatVersion, true);
  view.setUint32(12, classes.length, true);
  view.setUint32(16, pixels, true);
  let offset = 20;
  for (const c of classes) view.setUint32((offset += 4) - 4, c.length, true);
  view.setUint32(offset, table.length, true);
  offset += 4;
  for (const v of table) view.setFloat64((offset += 8) - 8, v, true);
  bytes.set(codes, headerLength);
  const gzipped = gzipSync(bytes, { level: 9 });
  return new Uint8Array(gzipped.buffer, gzipped.byteOffset, gzipped.length);
}

/** Decodes the gzipped file into classes whose `raw` holds the pixel values (float64, as the package has them). */
export function decodeMnistCompact(file: Uint8Array): { classes: MnistClassDigits[]; pixels: number } {
  const bytes = gunzipSync(file);
  const fail = (why: string): never => {
    throw new Error(`${mnistCompactFileName} is not a valid digits file: ${why}`);
  };
  if (bytes.length < 24 || bytes.toString('ascii', 0, 8) !== magic) fail('wrong magic');
  const version = bytes.readUInt32LE(8);
  if (version !== formatVersion) fail(`format version ${version}, expected ${formatVersion}`);
  const classCount = bytes.readUInt32LE(12);
  const pixels = bytes.readUInt32LE(16);
  let offset = 20;
  const counts: number[] = [];
  for (let c = 0; c < classCount; c++, offset += 4) counts.push(bytes.readUInt32LE(offset));
  const tableLength = bytes.readUInt32LE(offset);
  offset += 4;
  const table = new Float64Array(tableLength);
  for (let t = 0; t < tableLength; t++, offset += 8) table[t] = bytes.readDoubleLE(offset);
  const total = counts.reduce((a, b) => a + b, 0);
  if (bytes.length !== offset + total * pixels) fail(`${bytes.length} bytes, expected ${offset + total * pixels}`);
  const classes = counts.map((length) => {
    const raw = new Float64Array(length * pixels);
    for (let i = 0; i < raw.length; i++) {
      const code = bytes[offset + i];
      if (code >= tableLength) fail(`pixel code ${code} outside the ${tableLength}-value table`);
      raw[i] = table[code];
    }
    offset += raw.length;
    return { raw, length };
  });
  return { classes, pixels };
}
