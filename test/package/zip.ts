/**
 * Reads a .vsix (a zip) for the package tests without an unzip tool: the central directory lists
 * every entry; stored (0) and deflated (8) entries, the two methods vsce writes, are extracted.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  /** Offset of the entry's local header. */
  offset: number;
}

export function listZip(file: string): ZipEntry[] {
  const zip = readFileSync(file);
  // The end-of-central-directory record: signature 0x06054b50, within the last 64 KiB + 22 bytes.
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65_557); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error(`${file} is not a zip file (no end of central directory)`);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`${file}: bad central directory entry ${i}`);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    entries.push({
      name: zip.toString('utf8', at + 46, at + 46 + nameLength),
      method: zip.readUInt16LE(at + 10),
      compressedSize: zip.readUInt32LE(at + 20),
      size: zip.readUInt32LE(at + 24),
      offset: zip.readUInt32LE(at + 42),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Extracts every entry under `into`; returns the entries. */
export function extractZip(file: string, into: string): ZipEntry[] {
  const zip = readFileSync(file);
  const entries = listZip(file);
  for (const entry of entries) {
    if (entry.name.endsWith('/')) continue;
    const target = normalize(join(into, entry.name));
    if (!target.startsWith(normalize(into))) throw new Error(`${file}: entry ${entry.name} leaves the target folder`);
    const local = entry.offset;
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(dataStart, dataStart + entry.compressedSize);
    const bytes = entry.method === 0 ? data : entry.method === 8 ? inflateRawSync(new Uint8Array(data)) : null;
    if (!bytes) throw new Error(`${file}: entry ${entry.name} uses compression method ${entry.method}`);
    if (bytes.length !== entry.size) throw new Error(`${file}: entry ${entry.name} inflated to ${bytes.length} bytes, expected ${entry.size}`);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, new Uint8Array(bytes));
  }
  return entries;
}
