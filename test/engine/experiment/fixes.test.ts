/**
 * The validator's Quick Fix edits: each case breaks the base experiment (YAML or JSON) in a way the
 * validator knows how to repair, applies the diagnostic's edits to the text, validates again and
 * asserts that the diagnostic is gone and the file is valid: what a user sees after choosing the fix.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { baseYaml, show, validateIn } from './experimentHelpers';
import { LineIndex } from '../../../engine/experiment/parse';
import { Diagnostic, TextEdit } from '../../../engine/experiment/experimentTypes';

/** The text after the edits (applied from the last to the first, as an editor does). */
function applyEdits(text: string, edits: TextEdit[]): string {
  const lines = new LineIndex(text);
  const spans = edits.map((e) => ({ start: lines.offsetAt(e.range.start), end: lines.offsetAt(e.range.end), newText: e.newText }));
  let out = text;
  for (const s of spans.sort((a, b) => b.start - a.start)) out = out.slice(0, s.start) + s.newText + out.slice(s.end);
  return out;
}

function edit(from: string, to: string, text = baseYaml): string {
  assert.ok(text.includes(from), `test setup: ${JSON.stringify(from)} not in the text`);
  return text.replace(from, to);
}

const baseJson = JSON.stringify({
  name: 't',
  data: { source: 'synthetic', kind: 'gaussians', inputDim: 4, train: 32, test: 16, outputs: 2 },
  network: { layers: [{ dense: { width: 16 } }, 'relu', 'dense'] },
  training: { steps: 20, learningRate: 0.5 },
  models: { f: { kind: 'finite' }, n: { kind: 'infinite', method: 'ntk' } },
}, null, 2);

interface Case {
  name: string;
  code: string;
  text: string;
  json?: boolean;
  /** What the fixed text must contain (the edit is the one a user expects). */
  fixed: string;
  title: RegExp;
}

const cases: Case[] = [
  { name: 'a misspelled key', code: 'unknown-key', text: edit('learningRate: 0.5', 'lerningRate: 0.5'), fixed: 'learningRate: 0.5', title: /Change to "learningRate"/ },
  { name: 'a misspelled quoted key keeps its quotes', code: 'unknown-key', text: edit('learningRate: 0.5', '"learningrate": 0.5'), fixed: '"learningRate": 0.5', title: /learningRate/ },
  { name: 'a misspelled enum value', code: 'unknown-value', text: edit('method: ntk', 'method: ntkk'), fixed: 'method: ntk }', title: /"ntk"/ },
  { name: 'a misspelled single-quoted value', code: 'unknown-value', text: edit('models:', "loss: 'mes'\nmodels:"), fixed: "loss: 'mse'", title: /"mse"/ },
  { name: 'a misspelled model kind', code: 'unknown-value', text: edit('kind: finite', 'kind: finit'), fixed: 'f: { kind: finite }', title: /"finite"/ },
  { name: 'a misspelled layer name', code: 'unknown-layer', text: edit('    - relu\n', '    - rellu\n'), fixed: '    - relu\n', title: /"relu"/ },
  { name: 'a misspelled layer key', code: 'unknown-layer', text: edit('- dense: { width: 16 }', '- dens: { width: 16 }'), fixed: '- dense: { width: 16 }', title: /"dense"/ },
  { name: 'a missing readout in a block list', code: 'network-must-end-with-dense', text: edit('    - relu\n    - dense\n', '    - relu   # hidden\n'), fixed: '    - relu   # hidden\n    - dense\n', title: /readout/ },
  { name: 'a missing readout in a flow list', code: 'network-must-end-with-dense', text: edit('  layers:\n    - dense: { width: 16 }\n    - relu\n    - dense\n', '  layers: [{ dense: { width: 16 } }, relu]\n'), fixed: 'relu, dense]', title: /readout/ },
  { name: 'a missing readout with CRLF line ends', code: 'network-must-end-with-dense', text: edit('    - relu\n    - dense\n', '    - relu\n').replace(/\n/g, '\r\n'), fixed: '    - relu\r\n    - dense\r\n', title: /readout/ },
  { name: 'a width below its minimum', code: 'out-of-range', text: edit('- dense: { width: 16 }', '- dense: { width: 0 }'), fixed: '- dense: { width: 1 }', title: /1 \(the minimum\)/ },
  { name: 'a seed count above its maximum', code: 'out-of-range', text: edit('f: { kind: finite }', 'f: { kind: finite, seeds: 20000 }'), fixed: 'seeds: 10000', title: /10000 \(the maximum\)/ },
  { name: 'a readout wider than the outputs', code: 'readout-width-mismatch', text: edit('    - dense\n', '    - dense: { width: 5 }\n'), fixed: '- dense: { width: 2 }', title: /2 \(one unit per output/ },
  { name: 'a batch larger than the data', code: 'batch-size-too-large', text: edit('learningRate: 0.5 }', 'learningRate: 0.5, batchSize: 64 }'), fixed: 'batchSize: 32', title: /32/ },
  { name: 'cross-entropy on regression targets', code: 'loss-needs-classes', text: edit('kind: gaussians', 'kind: teacher', edit('models:', 'loss: crossEntropy\nmodels:')), fixed: 'loss: mse', title: /"mse"/ },
  { name: 'the Adam limit with sgd', code: 'method-optimizer-mismatch', text: edit('method: ntk }', 'method: adam, optimizer: sgd, samples: { backward: 8, forward: 8 } }'), fixed: 'optimizer: adam', title: /"adam"/ },
  { name: 'a misspelled key in a sweep path (the file sets the right one): only that segment changes', code: 'unknown-key', text: edit('models:', 'sweep:\n  training.lerningRate: [0.5, 2]\nmodels:'), fixed: '  training.learningRate: [0.5, 2]\n', title: /Change to "learningRate"/ },
  { name: "a misspelled key in a model's quoted sweep path, through an optimizer named by a string", code: 'unknown-key', text: edit('f: { kind: finite }', `f: { kind: finite, optimizer: adam, sweep: { 'optimizer.learnngRate': [0.001, 0.01] } }`), fixed: `sweep: { 'optimizer.learningRate': [0.001, 0.01] }`, title: /"learningRate"/ },
  { name: 'a misspelled layer key inside a sweep path', code: 'unknown-key', text: edit('models:', 'sweep:\n  network.layers[0].dense.wSdt: [1, 1.5]\nmodels:'), fixed: '  network.layers[0].dense.wStd: [1, 1.5]\n', title: /"wStd"/ },
  { name: 'JSON: a misspelled key', code: 'unknown-key', json: true, text: edit('"learningRate"', '"learnignRate"', baseJson), fixed: '"learningRate": 0.5', title: /learningRate/ },
  { name: 'JSON: a misspelled layer', code: 'unknown-layer', json: true, text: edit('"relu"', '"relux"', baseJson), fixed: '"relu",', title: /"relu"/ },
  { name: 'JSON: a misspelled key in a sweep path', code: 'unknown-key', json: true, text: edit('"models"', '"sweep": { "training.stpes": [10, 20] },\n  "models"', baseJson), fixed: '"training.steps": [10, 20]', title: /"steps"/ },
  { name: 'JSON: a missing readout', code: 'network-must-end-with-dense', json: true, text: edit(',\n      "dense"\n', '\n', baseJson), fixed: '"relu", "dense"', title: /readout/ },
];

function findFixed(diagnostics: Diagnostic[], code: string): Diagnostic {
  const d = diagnostics.find((x) => x.code === code);
  assert.ok(d, `expected ${code}, got:\n${show(diagnostics)}`);
  assert.ok(d.fix, `${code} should carry a fix: ${show([d])}`);
  return d;
}

describe('Quick Fix edits: applying the fix removes the diagnostic', () => {
  for (const c of cases) {
    test(c.name, () => {
      const name = c.json ? 'test.iwl.json' : 'test.iwl.yaml';
      const before = validateIn(c.text, { name });
      const d = findFixed(before.diagnostics, c.code);
      assert.match(d.fix!.title, c.title);
      const text = applyEdits(c.text, d.fix!.edits);
      assert.ok(text.includes(c.fixed), `fixed text should include ${JSON.stringify(c.fixed)}:\n${text}`);
      const after = validateIn(text, { name });
      assert.ok(!after.diagnostics.some((x) => x.code === c.code), `still ${c.code} after the fix:\n${show(after.diagnostics)}\n${text}`);
      assert.ok(after.experiment, `the fixed file should be valid:\n${show(after.diagnostics)}\n${text}`);
    });
  }

  test('no fix when the suggestion is already a key of the mapping (it would duplicate it)', () => {
    const r = validateIn(edit('learningRate: 0.5', 'learningRate: 0.5, learningRat: 0.1'));
    const d = r.diagnostics.find((x) => x.code === 'unknown-key');
    assert.ok(d && d.message.includes('did you mean "learningRate"'), show(r.diagnostics));
    assert.equal(d.fix, undefined);
  });

  test('no fix where nothing is close enough to suggest, or no bound says what to use', () => {
    const far = validateIn(edit('learningRate: 0.5', 'zzzzzz: 0.5'));
    assert.equal(far.diagnostics.find((x) => x.code === 'unknown-key')?.fix, undefined, show(far.diagnostics));
    const exclusive = validateIn(edit('learningRate: 0.5', 'learningRate: 0'));
    const d = exclusive.diagnostics.find((x) => x.code === 'out-of-range');
    assert.ok(d, show(exclusive.diagnostics));
    assert.equal(d.fix, undefined, 'learningRate must be > 0: no single value is the bound');
  });
});
