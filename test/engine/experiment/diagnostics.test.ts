/**
 * One test per diagnostic code: each breaks one thing in a valid experiment (or kernel spec, or
 * file) and asserts the code, that the message names the key and the bad value, and the line:col.
 * A code added to diagnosticCodes.ts without a case here fails the coverage test at the end.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../helpers';
import { diagnosticCodes } from '../../../engine/experiment/diagnosticCodes';
import { validateExperiment } from '../../../engine/experiment/validate';
import { validateKernelSpec } from '../../../engine/experiment/kernelSpec';
import { nodeValidationHost } from '../../../engine/experiment/validationHost';
import { validateFile } from '../../../engine/cli/experimentFile';
import { Diagnostic } from '../../../engine/experiment/experimentTypes';
import { baseYaml, positionOf, show, validateIn, where } from './experimentHelpers';
import { encodeNpy } from '../../../engine/util/npy';

interface Case {
  code: string;
  /** Produces the diagnostics and the text they refer to (for positions). */
  run: () => { diagnostics: Diagnostic[]; text: string };
  /** Where the diagnostic must start: a snippet of the text (its first character), or 'start' for 1:1. */
  at: string | [string, number] | 'start';
  /** Substrings the message must contain: the key path and the bad value, at least. */
  says: string[];
  severity?: 'error' | 'warning';
}

/** The base experiment with `from` replaced by `to` (which must occur). */
function edit(from: string, to: string, text = baseYaml): string {
  assert.ok(text.includes(from), `test setup: ${JSON.stringify(from)} not in the base experiment`);
  return text.replace(from, to);
}

function yaml(text: string, options: Parameters<typeof validateIn>[1] = {}): () => { diagnostics: Diagnostic[]; text: string } {
  return () => ({ diagnostics: validateIn(text, options).diagnostics, text });
}

const csvData = (rest: string): string => edit('data: { source: synthetic, kind: gaussians, inputDim: 4, train: 32, test: 16, outputs: 2 }', `data: { source: csv, ${rest} }`);
const npyData = (rest: string): string => edit('data: { source: synthetic, kind: gaussians, inputDim: 4, train: 32, test: 16, outputs: 2 }', `data: { source: npy, ${rest} }`);
const circles = 'x,y,label\n' + Array.from({ length: 40 }, (_, i) => `${(i % 7) / 7},${(i % 5) / 5},${i % 2}`).join('\n') + '\n';

function kernelSpec(text: string, files: Record<string, string> = {}): () => { diagnostics: Diagnostic[]; text: string } {
  return () => {
    const dir = tempDir('iwl-spec-');
    for (const [rel, content] of Object.entries(files)) writeFileSync(join(dir, rel), content);
    const filePath = join(dir, 'spec.yaml');
    writeFileSync(filePath, text);
    return { diagnostics: validateKernelSpec(text, { filePath, host: nodeValidationHost() }).diagnostics, text };
  };
}

function file(bytes: Uint8Array | string | null, kind: 'file' | 'folder' | 'missing' = 'file'): () => { diagnostics: Diagnostic[]; text: string } {
  return () => {
    const dir = tempDir('iwl-file-');
    const name = 'x.iwl.yaml';
    if (kind === 'folder') mkdirSync(join(dir, name));
    if (kind === 'file' && bytes !== null) writeFileSync(join(dir, name), bytes);
    return { diagnostics: validateFile(name, dir).diagnostics, text: typeof bytes === 'string' ? bytes : '' };
  };
}

const spec = 'network: { layers: [dense, relu, dense] }\n';

const cases: Case[] = [
  { code: 'file-not-found', run: file(null, 'missing'), at: 'start', says: ['no such file', 'x.iwl.yaml'] },
  { code: 'not-a-file', run: file(null, 'folder'), at: 'start', says: ['x.iwl.yaml', 'folder'] },
  {
    code: 'file-unreadable',
    run: yaml(csvData('path: d.csv, target: label'), { files: { 'd.csv': circles }, host: { readText: () => { throw new Error('EACCES: permission denied'); } } }),
    at: 'd.csv',
    says: ['data.path', 'd.csv', 'permission denied'],
  },
  { code: 'empty-file', run: file(new Uint8Array(0)), at: 'start', says: ['empty'] },
  { code: 'binary-file', run: () => ({ ...file(new Uint8Array([0x61, 0x3a, 0x0a, 0x62, 0x00, 0x01]))(), text: 'a:\nb?' }), at: '?', says: ['binary', 'NUL byte at byte 4'] },
  {
    code: 'invalid-utf8',
    // "name: caf\xe9" in Latin-1: line 2, after 9 characters.
    run: () => ({ ...file(new Uint8Array([...Buffer.from('seed: 0\nname: caf'), 0xe9, 0x0a]))(), text: 'seed: 0\nname: caf?' }),
    at: '?',
    says: ['not valid UTF-8', '0xe9', 'byte 17'],
  },
  { code: 'syntax-error', run: yaml(edit('training: { steps: 20, learningRate: 0.5 }', 'training: { steps: 20, learningRate: 0.5')), at: 'models', says: ['YAML', 'Flow map', 'end with a }'] },
  { code: 'yaml-warning', run: yaml(edit('name: t', 'name: !shout t')), at: '!shout', says: ['YAML', '!shout'], severity: 'warning' },
  { code: 'invalid-key', run: yaml(edit('name: t', '? [a, b]\n: t')), at: '[a, b]', says: ['key', 'list or mapping'] },
  { code: 'duplicate-key', run: yaml(edit('{ steps: 20,', '{ steps: 20, steps: 30,')), at: ['steps', 1], says: ['"steps"', 'twice', 'line 8'] },
  { code: 'wrong-type', run: yaml(edit('inputDim: 4', 'inputDim: "4"')), at: '"4"', says: ['data.inputDim', 'must be a positive integer', 'got "4"'] },
  { code: 'missing-key', run: yaml(edit('    - relu\n', '    - { leakyRelu: {} }\n')), at: 'leakyRelu', says: ['network.layers[1].leakyRelu.slope', 'missing required key'] },
  { code: 'unknown-key', run: yaml(edit('learningRate: 0.5', 'learningrate: 0.5')), at: 'learningrate', says: ['training.learningrate', 'unknown key', 'did you mean "learningRate"'] },
  { code: 'unknown-value', run: yaml(edit('models:', 'loss: mae\nmodels:')), at: 'mae', says: ['loss', 'one of mse, crossEntropy', 'got "mae"', 'did you mean "mse"'] },
  { code: 'not-integer', run: yaml(edit('train: 32', 'train: 32.5')), at: '32.5', says: ['data.train', 'must be a positive integer', 'got 32.5'] },
  { code: 'out-of-range', run: yaml(edit('    - dense\n', '    - dense: { width: -3 }\n')), at: '-3', says: ['network.layers[2].dense.width: must be a positive integer, got -3'] },
  { code: 'empty-list', run: yaml(edit('f: { kind: finite }', 'f: { kind: finite, widths: [] }')), at: '[]', says: ['models.f.widths', 'at least 1 item', 'empty list'] },
  { code: 'duplicate-item', run: yaml(edit('f: { kind: finite }', 'f: { kind: finite, widths: [16, 64, 16] }')), at: ['16', 3], says: ['models.f.widths[2]', '16', 'repeats models.f.widths[0]'] },
  { code: 'unknown-layer', run: yaml(edit('    - relu\n', '    - relux\n')), at: 'relux', says: ['network.layers[1]', '"relux"', 'did you mean "relu"'] },
  { code: 'invalid-layer', run: yaml(edit('    - dense: { width: 16 }\n', '    - dense:\n      width: 16\n')), at: 'dense:', says: ['network.layers[0]', '2 keys (dense, width)', 'indented'] },
  { code: 'invalid-name', run: yaml(edit('  n: { kind', '  "n/2": { kind')), at: '"n/2"', says: ['models["n/2"]', '"n/2"', 'not allowed'] },
  { code: 'no-models', run: yaml(edit('models:\n  f: { kind: finite }\n  n: { kind: infinite, method: ntk }\n', 'models: {}\n')), at: 'models', says: ['models', 'at least one model'] },
  { code: 'duplicate-model-name', run: yaml(edit('  n: { kind: infinite, method: ntk }', '  n: { kind: infinite, method: ntk }\n  f: { kind: infinite }')), at: ['f:', 1], says: ['models.f', '"f"', 'twice', 'line 10'] },
  { code: 'network-must-start-with-dense', run: yaml(edit('    - dense: { width: 16 }\n    - relu\n', '    - relu\n    - dense: { width: 16 }\n')), at: 'relu', says: ['network.layers[0]', 'first layer must be dense', 'got relu'] },
  { code: 'network-must-end-with-dense', run: yaml(edit('    - dense\n', '    - dense\n    - tanh\n')), at: 'tanh', says: ['network.layers[3]', 'last layer must be dense', 'got tanh'] },
  { code: 'readout-width-mismatch', run: yaml(edit('    - dense\n', '    - dense: { width: 3 }\n')), at: '3 }', says: ['network.layers[2].dense.width', '3 units', '2 outputs'] },
  {
    code: 'unequal-hidden-widths',
    run: yaml(edit('    - dense\n', '    - dense: { width: 32 }\n    - relu\n    - dense\n', edit('f: { kind: finite }', 'f: { kind: finite, widths: [16] }'))),
    at: '32 }',
    says: ['network.layers[2].dense.width', '16, 32'],
    severity: 'warning',
  },
  { code: 'infinite-needs-ntk-parametrization', run: yaml(edit('network:\n', 'network:\n  parametrization: standard\n')), at: 'n: { kind: infinite', says: ['models.n', 'parametrization ntk', 'got standard'] },
  { code: 'method-optimizer-mismatch', run: yaml(edit('method: ntk }', 'method: adam, optimizer: sgd }')), at: 'sgd', says: ['models.n.optimizer', 'method adam needs optimizer adam', 'got sgd'] },
  { code: 'method-loss-mismatch', run: yaml(edit('method: ntk }', 'method: gp }\nloss: crossEntropy')), at: 'gp', says: ['models.n.method', 'gp', 'crossEntropy'] },
  { code: 'loss-needs-classes', run: yaml(edit('kind: gaussians', 'kind: teacher') + 'loss: crossEntropy\n'), at: 'crossEntropy', says: ['loss', 'crossEntropy', 'regression', 'synthetic teacher'] },
  { code: 'unused-key', run: yaml(edit('method: ntk }', 'method: ntk, samples: { backward: 8 } }')), at: 'samples', says: ['models.n.samples', 'no effect', 'method is ntk'], severity: 'warning' },
  {
    code: 'conflicting-learning-rate',
    run: yaml(edit('f: { kind: finite }', 'f: { kind: finite, learningRate: 0.1, optimizer: { name: sgd, learningRate: 0.2 } }')),
    at: '0.1, optimizer',
    says: ['models.f.learningRate', '0.1', '0.2'],
    severity: 'warning',
  },
  { code: 'log-every-exceeds-steps', run: yaml(edit('learningRate: 0.5 }', 'learningRate: 0.5, logEvery: 50 }')), at: '50', says: ['training.logEvery', '50', 'steps 20'], severity: 'warning' },
  { code: 'batch-size-too-large', run: yaml(edit('learningRate: 0.5 }', 'learningRate: 0.5, batchSize: 64 }')), at: '64', says: ['training.batchSize', '64', '32 training points'] },
  { code: 'referenced-file-not-found', run: yaml(csvData('path: missing.csv, target: label')), at: 'missing.csv', says: ['data.path', '"missing.csv"', 'no file'] },
  {
    code: 'path-outside-experiment-folder',
    run: yaml(csvData('path: ../elsewhere/d.csv, target: label')),
    at: '../elsewhere',
    says: ['data.path', '"../elsewhere/d.csv"', 'outside the experiment\'s folder'],
  },
  { code: 'csv-invalid', run: yaml(csvData('path: d.csv, target: label'), { files: { 'd.csv': 'x,label\n1,0\n2,1,5\n' } }), at: 'd.csv', says: ['data.path', 'd.csv:3'] },
  { code: 'csv-target-missing', run: yaml(csvData('path: d.csv, target: lable'), { files: { 'd.csv': circles } }), at: 'lable', says: ['data.target', '"lable"', '"x", "y", "label"'] },
  { code: 'too-many-samples', run: yaml(edit('source: synthetic, kind: gaussians, inputDim: 4, train: 32, test: 16, outputs: 2', 'source: mnist, train: 9000, test: 2000, classes: [0, 1]')), at: '9000', says: ['data', 'train 9000 + test 2000', '2128 of digits 0, 1'] },
  { code: 'too-few-samples', run: yaml(csvData('path: d.csv, target: label, test: 0.1'), { files: { 'd.csv': 'x,label\n1,0\n2,1\n3,0\n' } }), at: '0.1', says: ['data.test', '3 data rows', 'test fraction 0.1', '0 for testing'] },
  {
    code: 'memory-over-budget',
    run: yaml(edit('train: 32, test: 16', 'train: 20000, test: 10000')),
    at: 'n: { kind: infinite',
    says: ['models.n', 'needs about', 'GiB', 'kernel matrices', '30000 x 30000'],
  },
  { code: 'ragged-rows', run: kernelSpec(spec + 'x1: [[1, 2], [3, 4, 5]]\n'), at: '[3, 4, 5]', says: ['x1[1]', '3 numbers', 'x1[0] has 2'] },
  { code: 'matrix-shape-mismatch', run: kernelSpec(spec + 'x1: [[1, 2], [3, 4]]\nx2: [[1, 2, 3]]\n'), at: '[[1, 2, 3]]', says: ['x2', '3 columns', "x1's have 2"] },
  { code: 'unsupported-matrix-format', run: kernelSpec(spec + 'x1: points.txt\n', { 'points.txt': '1 2\n' }), at: 'points.txt', says: ['x1', '"points.txt"', '.npy', '.csv'] },
  { code: 'invalid-sweep', run: yaml(baseYaml + 'sweep: { training.learningRate: 0.5 }\n'), at: ['0.5 }', 1], says: ['sweep.training.learningRate', 'list', 'single value'] },
  { code: 'invalid-sweep-path', run: yaml(baseYaml + 'sweep: { training..steps: [10, 20] }\n'), at: 'training..steps', says: ['sweep', 'training..steps', 'not a setting path'] },
  {
    code: 'sweep-shadowed',
    run: yaml(edit('f: { kind: finite }', 'f: { kind: finite, learningRate: 2 }') + 'sweep: { training.learningRate: [0.5, 1] }\n'),
    at: 'training.learningRate: [',
    says: ['sweep', 'training.learningRate', 'model f', 'learningRate (line 10)'],
    severity: 'warning',
  },
  {
    code: 'select-needs-validation',
    run: yaml(baseYaml + 'select: { metric: validationLoss }\n'),
    at: 'select',
    says: ['select', 'validationLoss', 'data.validation'],
  },
  {
    code: 'select-needs-classes',
    run: yaml(edit('kind: gaussians, inputDim: 4, train: 32, test: 16, outputs: 2', 'kind: teacher, inputDim: 4, train: 32, test: 16, validation: 0.25') + 'select: { metric: validationAccuracy }\n'),
    at: 'validationAccuracy',
    says: ['select.metric', 'validationAccuracy', 'regression'],
  },
  {
    code: 'npy-invalid',
    run: yaml(npyData('x: x.npy, y: y.npy, test: 0.25'), { files: { 'x.npy': 'x,label\n1,0\n', 'y.npy': encodeNpy(new Float64Array(8), [8]) } }),
    at: 'x.npy',
    says: ['data.x', 'x.npy'],
  },
  {
    code: 'npy-shape-mismatch',
    run: yaml(npyData('x: x.npy, y: y.npy, test: 0.25'), { files: { 'x.npy': encodeNpy(new Float64Array(16), [8, 2]), 'y.npy': encodeNpy(new Float64Array(6), [6]) } }),
    at: 'y.npy',
    says: ['data.y', 'y.npy', '6 rows', '8'],
  },
  {
    code: 'internal-error',
    run: () => ({ diagnostics: validateExperiment(baseYaml, null as never).diagnostics, text: baseYaml }),
    at: 'start',
    says: ['validator failed', 'report'],
  },
];

describe('every diagnostic code: code, message naming key and value, line:col', () => {
  for (const c of cases) {
    test(c.code, () => {
      const { diagnostics, text } = c.run();
      const found = diagnostics.find((d) => d.code === c.code);
      assert.ok(found, `expected ${c.code}, got:\n${show(diagnostics)}`);
      assert.equal(found.severity, c.severity ?? 'error', show([found]));
      for (const s of c.says) assert.ok(found.message.includes(s), `message ${JSON.stringify(found.message)} should include ${JSON.stringify(s)}`);
      const expected = c.at === 'start' ? '1:1' : Array.isArray(c.at) ? positionOf(text, c.at[0], c.at[1]) : positionOf(text, c.at);
      assert.equal(where(found), expected, `position of ${show([found])}`);
      if (found.severity === 'warning') assert.ok(!diagnostics.some((d) => d.severity === 'error'), `a warning case must stay valid:\n${show(diagnostics)}`);
    });
  }

  test('every code in diagnosticCodes.ts has a case here, and every case is a listed code', () => {
    const listed = Object.keys(diagnosticCodes).sort();
    const tested = [...new Set(cases.map((c) => c.code))].sort();
    assert.deepEqual(tested, listed);
  });

  test('a link inside the folder that points outside it is refused (path-outside-experiment-folder)', () => {
    const outside = tempDir('iwl-outside-');
    writeFileSync(join(outside, 'd.csv'), circles);
    const dir = tempDir('iwl-link-');
    symlinkSync(join(outside, 'd.csv'), join(dir, 'd.csv'));
    const text = csvData('path: d.csv, target: label');
    writeFileSync(join(dir, 'x.iwl.yaml'), text);
    const result = validateExperiment(text, { filePath: join(dir, 'x.iwl.yaml'), host: nodeValidationHost() });
    const d = result.diagnostics.find((x) => x.code === 'path-outside-experiment-folder');
    assert.ok(d, show(result.diagnostics));
    assert.match(d.message, /is a link to .*d\.csv, outside/);
    assert.equal(where(d), positionOf(text, 'd.csv'));
  });

  test('the base experiment used by these cases is itself valid', () => {
    const result = validateIn(baseYaml);
    assert.deepEqual(result.diagnostics, [], show(result.diagnostics));
    assert.ok(result.experiment);
  });
});
