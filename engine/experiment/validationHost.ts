/**
 * What the validators ask of the file system, as synchronous questions, so the extension (open
 * editors, a workspace), the CLI (Node's fs) and tests (real temp folders) can each answer them.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import { totalmem } from 'node:os';

export interface ValidationHost {
  exists(path: string): boolean;
  /** A regular file (after following links). */
  isFile(path: string): boolean;
  /** The file's text (UTF-8). May throw; the validator reports it. */
  readText(path: string): string;
  /** The path with every link resolved. May throw; the validator falls back to the path itself. */
  realpath(path: string): string;
  /** The file's first `maxBytes` bytes (fewer for a shorter file): the headers of .npy data. May throw. Absent: npy data is checked when it loads. */
  readPrefix?(path: string, maxBytes: number): Uint8Array;
  /** Models whose memory estimate exceeds this many bytes get a diagnostic. Default: defaultMemoryBudget(). */
  memoryBudgetBytes?: number;
}

/** The tfjs wasm heap holds at most about 4 GiB; going past it aborts the process. */
export const WASM_HEAP_BYTES = 4 * 1024 ** 3;

/** The smaller of half of this machine's memory and the ~4 GiB tfjs wasm heap. */
export function defaultMemoryBudget(): number {
  return Math.min(totalmem() / 2, WASM_HEAP_BYTES);
}

/** Answers from Node's fs. */
export function nodeValidationHost(options: { memoryBudgetBytes?: number } = {}): ValidationHost {
  return {
    exists: (path) => existsSync(path),
    isFile: (path) => {
      try {
        return statSync(path).isFile();
      } catch {
        return false;
      }
    },
    readText: (path) => readFileSync(path, 'utf8'),
    realpath: (path) => realpathSync(path),
    readPrefix: (path, maxBytes) => {
      const fd = openSync(path, 'r');
      try {
        const buffer = new Uint8Array(maxBytes);
        const read = readSync(fd, buffer, 0, maxBytes, 0);
        return buffer.subarray(0, read);
      } finally {
        closeSync(fd);
      }
    },
    memoryBudgetBytes: options.memoryBudgetBytes,
  };
}
