/**
 * YAML completion and hover from the schema, as a user meets them: on every key and value of the
 * real examples, hover shows that key's reference text; completion offers the keys valid at the
 * cursor (not those already written), the allowed values, the layer names; and what a completion
 * inserts (snippet placeholders at their defaults) leaves a file that validates.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { completionsAt, hoverAt, plainSnippet, schemasAt } from '../../extension/schemaAssist';
import { validateIn, show } from '../engine/experiment/experimentHelpers';
import { showPath, withCursor, yamlExamples } from './yamlSpots';

const labels = (textWithCursor: string): string[] => {
  const { text, offset } = withCursor(textWithCursor);
  return completionsAt(text, offset).items.map((i) => i.label);
};

/** The text after choosing the completion `label` at the cursor, its placeholders at their defaults. */
function choose(textWithCursor: string, label: string): string {
  const { text, offset } = withCursor(textWithCursor);
  const c = completionsAt(text, offset);
  const item = c.items.find((i) => i.label === label);
  assert.ok(item, `no completion ${label} among ${c.items.map((i) => i.label).join(', ')}`);
  return text.slice(0, c.start) + plainSnippet(item.insertText) + text.slice(c.end);
}

const quickstart = yamlExamples().find((e) => e.file === 'quickstart.iwl.yaml')!;

describe('YAML hover on the example files', () => {
  for (const { file, text, lines, spots } of yamlExamples()) {
    test(file, () => {
      const missing: string[] = [];
      let keys = 0;
      for (const s of spots) {
        const p = lines.positionAt(s.offset);
        const where = `${s.at} ${s.name} at ${p.line + 1}:${p.character + 1}`;
        if (s.at === 'key') {
          keys++;
          const expected = schemasAt([...s.path, s.name], s.siblings, s.path.length)[0];
          const hover = hoverAt(text, s.offset + 1);
          if (!expected || !hover || !hover.markdown.includes(expected.description)) missing.push(`${where} (${showPath(s.path)}): ${hover?.markdown ?? 'no hover'}`);
          else if (hover.start !== s.offset || hover.end !== s.offset + s.name.length) missing.push(`${where}: hover range ${hover.start}-${hover.end}`);
        } else {
          // Names of a fixed set (methods, optimizers, layers, ...) say what they mean.
          const named = schemasAt(s.path, s.siblings, s.path.length - 1).some((x) => (x.type === 'string' && x.enum?.[s.name]) || (x.type === 'tagged' && x.tags[s.name]));
          if (named && !hoverAt(text, s.offset - 1)) missing.push(`${where}: no hover`);
        }
      }
      assert.ok(keys > 15, `${keys} keys`);
      assert.deepEqual(missing, []);
    });
  }

  test('a value says what it means and what its key is for', () => {
    const at = quickstart.text.indexOf('method: nngp') + 'method: n'.length;
    const hover = hoverAt(quickstart.text, at);
    assert.ok(hover);
    assert.match(hover.markdown, /`nngp`: NNGP dynamics/);
    assert.match(hover.markdown, /Which infinite-width model/);
    assert.equal(hoverAt(quickstart.text, quickstart.text.indexOf('# Quickstart') + 3), null, 'comments have no hover');
  });
});

describe('YAML completion', () => {
  test('keys valid at the cursor, without those already written', () => {
    assert.deepEqual(labels('|'), ['name', 'seed', 'data', 'network', 'loss', 'training', 'models', 'sweep', 'select']);
    assert.deepEqual(labels('training:\n  steps: 10\n  |\n'), ['learningRate', 'batchSize', 'logEvery']);
    assert.deepEqual(labels('data:\n  source: csv\n  |\n'), ['path', 'target', 'test', 'validation', 'task']);
    const finite = labels('models:\n  f: { kind: finite, | }\n');
    assert.ok(finite.includes('widths') && finite.includes('trainable') && !finite.includes('method') && !finite.includes('kind'), finite.join(', '));
    const infinite = labels('models:\n  n: { kind: infinite, | }\n');
    assert.ok(infinite.includes('method') && infinite.includes('diagReg') && !infinite.includes('widths'), infinite.join(', '));
  });

  test('allowed values, the default first', () => {
    assert.deepEqual(labels('loss: |\n'), ['mse', 'crossEntropy']);
    const { text, offset } = withCursor('models:\n  n: { kind: infinite, method: | }\n');
    const items = completionsAt(text, offset).items;
    assert.deepEqual(items.map((i) => i.label), ['ntk', 'nngp', 'gp', 'adam', 'kernelAdam']);
    assert.equal(items.find((i) => i.preferred)?.label, 'ntk');
    assert.match(items.find((i) => i.label === 'gp')!.detail, /posterior mean/);
    assert.deepEqual(labels('models:\n  f: { kind: finite, trainable: re| }\n'), ['all', 'readout', 'linearized']);
  });

  test('layer names in a layer list, and none in a comment', () => {
    const layers = labels('network:\n  layers:\n    - dense: { width: 8 }\n    - |\n');
    for (const name of ['dense', 'relu', 'erf', 'tanh', 'leakyRelu', 'abRelu']) assert.ok(layers.includes(name), layers.join(', '));
    assert.deepEqual(labels('network:\n  layers:\n    - relu  # a |\n'), []);
  });

  test('choosing a completion leaves a file that validates', () => {
    const base = quickstart.text;
    const newModels = labels(base.replace('models:\n', 'models:\n  |\n'));
    assert.deepEqual(newModels.filter((l) => l.startsWith('new ')), ['new finite model', 'new infinite model']);
    for (const label of newModels.filter((l) => l.startsWith('new '))) {
      const text = choose(base.replace('  sgd:  {', '  |\n  sgd:  {').replace('  ntk:  {', '  ntk0:  {').replace('  sgd:  {', '  sgd0:  {'), label);
      const r = validateIn(text);
      assert.ok(r.experiment, `${label}:\n${show(r.diagnostics)}\n${text}`);
    }
    const lr = choose('training:\n  steps: 10\n  l|\n', 'learningRate');
    assert.equal(lr, 'training:\n  steps: 10\n  learningRate: 1\n');
    const method = choose(base.replace('method: nngp', 'method: k|'), 'kernelAdam');
    assert.ok(method.includes('nngp: { kind: infinite, method: kernelAdam }') && validateIn(method).experiment, method);
    const layer = choose(base.replace('    - relu\n', '    - |\n'), 'tanh');
    assert.ok(layer.includes('    - tanh\n') && validateIn(layer).experiment);
    const leaky = choose(base.replace('    - relu\n', '    - |\n'), 'leakyRelu');
    assert.ok(leaky.includes('    - leakyRelu: { slope:  }\n'), leaky);
  });
});
