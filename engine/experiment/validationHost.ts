/**
 * What the validators ask of the file system, as synchronous questions, so the extension (open
 * editors, a workspace), the CLI (Node's fs) and tests (real temp folders) can each answer them.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { totalmem } from 'node:os';

export interface ValidationHost {
  exists(path: string): boolean;
  /** A regular file (after following links). */
  isFile(path: string): boolean;
  /** The file's text (UTF-8). May throw; the validator reports it. */
  readText(path: string): string;
  /** The path with every link resolved. May throw; the validator falls back to the path itself. */
  realpath(path: string): string;
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
    memoryBudgetBytes: options.memoryBudgetBytes,
  };
}
