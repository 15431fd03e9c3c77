/**
 * The validator never throws: truncated, byte-mutated, line-shuffled and junk-spliced versions of
 * every example (and some adversarial inputs) each give diagnostics or an experiment, with every
 * range inside the text. Mutations come from the project's seeded PRNG, so failures reproduce.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, experimentFilesIn } from '../../helpers';
import { Rng } from '../../../engine/util/rng';
import { validateExperiment } from '../../../engine/experiment/validate';
import { validateKernelSpec } from '../../../engine/experiment/kernelSpec';
import { decodeBytes } from '../../../engine/experiment/parse';
import { nodeValidationHost } from '../../../engine/experiment/validationHost';
import { Diagnostic } from '../../../engine/experiment/experimentTypes';
import { diagnosticCodes } from '../../../engine/experiment/diagnosticCodes';

const examplesDir = join(repoRoot, 'examples');
const host = nodeValidationHost();
const junk = ['{', '}', '[', ']', ':', ',', '- ', '"', "'", '&a ', '*a', '!!', '? ', '#', '\t', '\n', '  ', 'null', '-1', '1e999', '.nan', 'dense', 'relu', '\u0000', '\uFEFF', '💥', '\\', '---\n', '|\n', '>-\n', '%YAML 1.2\n'];

function mutate(text: string, rng: Rng): string {
  const at = Math.floor(rng.uniform() * (text.length + 1));
  switch (Math.floor(rng.uniform() * 5)) {
    case 0:
      return text.slice(0, at);
    case 1:
      return text.slice(0, at) + text.slice(Math.min(text.length, at + 1 + Math.floor(rng.uniform() * 20)));
    case 2:
      return text.slice(0, at) + junk[Math.floor(rng.uniform() * junk.length)] + text.slice(at);
    case 3: {
      const lines = text.split('\n');
      const i = Math.floor(rng.uniform() * lines.length);
      const j = Math.floor(rng.uniform() * lines.length);
      [lines[i], lines[j]] = [lines[j], lines[i]];
      return lines.join('\n');
    }
    default:
      return text.slice(0, at) + String.fromCharCode(32 + Math.floor(rng.uniform() * 95)) + text.slice(at + 1);
  }
}

function assertWellFormed(diagnostics: Diagnostic[], text: string, label: string): void {
  const lines = text.split(/\r\n|\r|\n/);
  for (const d of diagnostics) {
    assert.ok(d.code in diagnosticCodes, `${label}: unlisted code ${d.code}`);
    assert.notEqual(d.code, 'internal-error', `${label}: ${d.message}`);
    assert.ok(d.message.length > 0 && !d.message.includes('\n'), `${label}: one-line message: ${JSON.stringify(d.message)}`);
    const { line, character } = d.range.start;
    assert.ok(line >= 0 && line < lines.length && character >= 0 && character <= lines[line].length, `${label}: range ${line}:${character} outside the text (${d.code})`);
  }
}

describe('robustness', () => {
  const examples = experimentFilesIn(examplesDir);

  test('hundreds of mutated examples: never a throw, never an internal error, ranges inside the text', () => {
    const rng = new Rng(20261129);
    let count = 0;
    for (const f of examples) {
      const filePath = join(examplesDir, f);
      let text = readFileSync(filePath, 'utf8');
      for (let i = 0; i < 150; i++) {
        text = i % 10 === 0 ? readFileSync(filePath, 'utf8') : text;
        const mutated = mutate(text, rng);
        const label = `${f} mutation ${i}: ${JSON.stringify(mutated.slice(0, 2000))}`;
        const result = validateExperiment(mutated, { filePath, host });
        assertWellFormed(result.diagnostics, mutated, label);
        assert.equal(result.experiment === null, result.diagnostics.some((d) => d.severity === 'error'), label);
        text = mutated;
        count++;
      }
    }
    assert.ok(count >= 400, `ran ${count} mutations`);
  });

  test('adversarial inputs', () => {
    const filePath = join(examplesDir, 'fuzz.iwl.yaml');
    const inputs = [
      '', ' ', '\n\n', '#', '---', '...', '~', 'null', '0', '[]', '{}', '"x"', '- - -', ': :', '? ? ?',
      'a: &a [*a]', '&a a: *a', 'models: &m { x: *m }', '[' .repeat(5000), '{a:'.repeat(3000), '- '.repeat(3000) + 'x',
      'data: !!binary aGVsbG8=', 'data: !!set { a, b }', 'seed: 99999999999999999999999', 'seed: 0x', "name: 'unterminated",
      'network:\n  layers:\n    - { dense: { width: 1e400 } }', 'models:\n  ? { a: 1 }\n  : 2', 'x: |\n  block\n y: 1', '\uFEFFdata: 1',
      'models: { "": { kind: finite } }', 'data: { source: csv, path: "", target: "" }', 'data: { source: csv, path: /etc/passwd, target: x }',
      'data: { source: csv, path: ., target: x }', 'data: { source: csv, path: "\\0", target: x }',
    ];
    for (const text of inputs) {
      for (const name of ['fuzz.iwl.yaml', 'fuzz.iwl.json']) {
        const result = validateExperiment(text, { filePath: join(examplesDir, name), host });
        assertWellFormed(result.diagnostics, text, `${name}: ${JSON.stringify(text.slice(0, 80))}`);
        assert.ok(result.diagnostics.length > 0, `${JSON.stringify(text.slice(0, 80))} is not a valid experiment`);
      }
      const spec = validateKernelSpec(text, { filePath, host });
      assertWellFormed(spec.diagnostics, text, `spec: ${JSON.stringify(text.slice(0, 80))}`);
    }
  });

  test('decodeBytes: random bytes always give text or one diagnostic', () => {
    const rng = new Rng(7);
    for (let i = 0; i < 300; i++) {
      const bytes = new Uint8Array(Math.floor(rng.uniform() * 64)).map(() => Math.floor(rng.uniform() * 256));
      const r = decodeBytes(bytes);
      assert.ok((r.text === null) !== (r.diagnostic === null));
      if (r.diagnostic) assert.ok(['empty-file', 'binary-file', 'invalid-utf8'].includes(r.diagnostic.code));
    }
    assert.equal(decodeBytes(Buffer.from('\uFEFFname: x', 'utf8')).text, 'name: x', 'a UTF-8 byte order mark is dropped');
  });
});
