/**
 * Reading an experiment file from disk for the CLI and the engine process: bytes -> text ->
 * validated experiment, with every problem (missing file, a folder, empty, binary, non-UTF-8,
 * invalid content) as a diagnostic, and diagnostics formatted like a compiler's.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Diagnostic, Experiment } from '../experiment/experimentTypes';
import type { DiagnosticCode } from '../experiment/diagnosticCodes';
import { decodeBytes, fileStart } from '../experiment/parse';
import { validateExperiment } from '../experiment/validate';
import { nodeValidationHost } from '../experiment/validationHost';
import { errorMessage } from '../contract/errors';

/** `FILE:LINE:COL: severity CODE: message`, 1-based, on one line. */
export function formatDiagnostic(file: string, d: Diagnostic): string {
  const message = d.message.replace(/[\r\n\t]+/g, ' ').replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `${file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.severity} ${d.code}: ${message}`;
}

function problem(code: DiagnosticCode, message: string): Diagnostic {
  return { code, severity: 'error', message, range: fileStart };
}

/** Reads and validates one file; every failure becomes a diagnostic. `experiment` is set exactly when it is valid. */
export function validateFile(
  file: string,
  cwd: string,
  host = nodeValidationHost(),
  path = resolve(cwd, file),
): { diagnostics: Diagnostic[]; experiment: Experiment | null } {
  let bytes: Buffer;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) return { diagnostics: [problem('not-a-file', `${file} is a folder, not an experiment file`)], experiment: null };
    if (!stat.isFile()) return { diagnostics: [problem('not-a-file', `${file} is not a regular file`)], experiment: null };
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { diagnostics: [problem('file-not-found', `no such file: ${file}`)], experiment: null };
    return { diagnostics: [problem('file-unreadable', `cannot read ${file} (${errorMessage(error)})`)], experiment: null };
  }
  const decoded = decodeBytes(bytes);
  if (decoded.diagnostic) return { diagnostics: [decoded.diagnostic], experiment: null };
  const result = validateExperiment(decoded.text, { filePath: path, host });
  return { diagnostics: result.diagnostics, experiment: result.experiment };
}

/** Reads and validates an experiment by absolute path, naming it `displayPath` in messages. */
export function loadExperimentFile(absolutePath: string, displayPath: string): { experiment: Experiment | null; diagnostics: Diagnostic[] } {
  return validateFile(displayPath, '/', nodeValidationHost(), absolutePath);
}
