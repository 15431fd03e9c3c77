/** Shared by the experiment tests: validate text in a real temp folder, find where a snippet sits. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tempDir } from '../../helpers';
import { validateExperiment, ValidationResult } from '../../../engine/experiment/validate';
import { nodeValidationHost, ValidationHost } from '../../../engine/experiment/validationHost';
import { Diagnostic } from '../../../engine/experiment/experimentTypes';

/** A small valid experiment that the diagnostic tests mutate one thing at a time. */
export const baseYaml = `name: t
data: { source: synthetic, kind: gaussians, inputDim: 4, train: 32, test: 16, outputs: 2 }
network:
  layers:
    - dense: { width: 16 }
    - relu
    - dense
training: { steps: 20, learningRate: 0.5 }
models:
  f: { kind: finite }
  n: { kind: infinite, method: ntk }
`;

export interface Validated extends ValidationResult {
  dir: string;
  filePath: string;
}

/** Writes `files` (relative path -> content) and the experiment into a fresh temp folder, then validates. */
export function validateIn(text: string, options: { name?: string; files?: Record<string, string | Uint8Array>; host?: Partial<ValidationHost> } = {}): Validated {
  const dir = tempDir('iwl-exp-');
  for (const [rel, content] of Object.entries(options.files ?? {})) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
  const filePath = join(dir, options.name ?? 'test.iwl.yaml');
  writeFileSync(filePath, text);
  const host = { ...nodeValidationHost(), ...options.host };
  return { ...validateExperiment(text, { filePath, host }), dir, filePath };
}

/** The 1-based "LINE:COL" of the `occurrence`-th (0-based) appearance of `snippet` in `text`. */
export function positionOf(text: string, snippet: string, occurrence = 0): string {
  let at = -1;
  for (let i = 0; i <= occurrence; i++) {
    at = text.indexOf(snippet, at + 1);
    if (at < 0) throw new Error(`snippet ${JSON.stringify(snippet)} (occurrence ${occurrence}) not in the text`);
  }
  const before = text.slice(0, at).split(/\r\n|\r|\n/);
  return `${before.length}:${before[before.length - 1].length + 1}`;
}

export function where(d: Diagnostic): string {
  return `${d.range.start.line + 1}:${d.range.start.character + 1}`;
}

export function show(diagnostics: Diagnostic[]): string {
  return diagnostics.map((d) => `${where(d)} ${d.severity} ${d.code}: ${d.message}`).join('\n');
}
