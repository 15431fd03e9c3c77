/** `iwl kernel` SPEC files: { network, x1, x2 } with inline rows or .npy/.csv paths. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../helpers';
import { validateKernelSpec } from '../../../engine/experiment/kernelSpec';
import { nodeValidationHost } from '../../../engine/experiment/validationHost';
import { show, where, positionOf } from './experimentHelpers';

function check(text: string, name = 'spec.yaml', files: Record<string, string> = {}) {
  const dir = tempDir('iwl-spec-');
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
  return { dir, ...validateKernelSpec(text, { filePath: join(dir, name), host: nodeValidationHost() }) };
}

describe('kernel spec', () => {
  test('inline x1, no x2: x2 is null (the kernel of x1 with itself)', () => {
    const r = check('network: { layers: [dense: { wStd: 1.5, bStd: 0.1 }, erf, dense] }\nx1: [[1, 2], [3, -4.5]]\n');
    assert.deepEqual(r.diagnostics, [], show(r.diagnostics));
    assert.deepEqual(r.spec, {
      network: { parametrization: 'ntk', layers: [{ kind: 'dense', width: null, wStd: 1.5, bStd: 0.1 }, { kind: 'activation', activation: { kind: 'erf' } }, { kind: 'dense', width: null, wStd: 1, bStd: 0 }] },
      x1: { kind: 'inline', rows: [[1, 2], [3, -4.5]] },
      x2: null,
    });
  });

  test('file inputs resolve relative to the spec, with their format', () => {
    const r = check('{ "network": { "layers": ["dense", { "abRelu": { "a": 0.2, "b": 1 } }, "dense"] }, "x1": "data/a.npy", "x2": "b.CSV" }', 'spec.json', { 'data/a.npy': 'x', 'b.CSV': '1,2\n' });
    assert.deepEqual(r.diagnostics, [], show(r.diagnostics));
    assert.deepEqual(r.spec?.x1, { kind: 'file', path: join(r.dir, 'data', 'a.npy'), format: 'npy' });
    assert.deepEqual(r.spec?.x2, { kind: 'file', path: join(r.dir, 'b.CSV'), format: 'csv' });
  });

  test('the same network and file checks as experiments, with positions', () => {
    const text = 'network: { layers: [dense, relu] }\nx1: missing.npy\nx2: [[1, "a"]]\n';
    const r = check(text);
    assert.equal(r.spec, null);
    assert.deepEqual(r.diagnostics.map((d) => [d.code, where(d)]), [
      ['network-must-end-with-dense', positionOf(text, 'relu')],
      ['referenced-file-not-found', positionOf(text, 'missing.npy')],
      ['wrong-type', positionOf(text, '"a"')],
    ], show(r.diagnostics));
    assert.match(r.diagnostics[2].message, /^x2\[0\]\[1\]: must be a number, got "a"$/);
  });

  test('missing x1 and unknown keys are reported', () => {
    const r = check('network: { layers: [dense] }\nx3: [[1]]\n');
    assert.deepEqual(r.diagnostics.map((d) => d.code).sort(), ['missing-key', 'unknown-key'], show(r.diagnostics));
  });
});
