import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { AnalysisCache, fixOf } from '../../extension/analysis';
import { isExperimentFile } from '../../extension/experimentFiles';
import { tempDir } from '../helpers';
import { tinyExperimentText } from '../fixtures/tinyExperiment';
import { runIwl } from '../helpers';
import { writeFileSync } from 'node:fs';

const valid = tinyExperimentText({ steps: 20 });

describe('document analysis', () => {
  const file = join(tempDir(), 'tiny.iwl.yaml');
  const doc = (text: string, version: number) => ({ uri: `file://${file}`, version, fileName: file, getText: () => text });

  test('one validation per document version, shared by every caller', () => {
    const cache = new AnalysisCache();
    const first = cache.get(doc(valid, 1));
    assert.ok(first.experiment, JSON.stringify(first.diagnostics));
    assert.equal(cache.get(doc(valid, 1)), first, 'the lens provider and the diagnostics get the same object');
    assert.equal(cache.validations, 1);
    cache.get(doc(valid + '\n', 2));
    assert.equal(cache.validations, 2, 'a new version validates again');
    assert.equal(cache.peek(`file://${file}`, 1), null, 'only the latest version is kept');
  });

  test('model keys come with their source ranges, also when the file is invalid', () => {
    const cache = new AnalysisCache();
    const ok = cache.get(doc(valid, 1));
    assert.deepEqual(ok.models.map((m) => [m.name, m.range.start.line, m.range.start.character]), [['sgd', 11, 2], ['ntk', 12, 2]]);
    const broken = valid.replace('loss: mse', 'loss: mse2').replace('seeds: 1', 'seeds: 1, widht: 3');
    const bad = cache.get(doc(broken, 2));
    assert.equal(bad.experiment, null);
    assert.deepEqual(bad.models.map((m) => [m.name, m.range.start.line]), [['sgd', 11], ['ntk', 12]], 'the Run model lenses stay where the keys are');
    const codes = bad.diagnostics.map((d) => `${d.code}@${d.range.start.line}`);
    assert.ok(codes.includes('unknown-value@8'), codes.join(', '));
    assert.ok(codes.includes('unknown-key@11'), codes.join(', '));
    assert.equal(bad.errorCount, bad.diagnostics.filter((d) => d.severity === 'error').length);
  });

  test("a sweep's jobs and cost for the lens: the line iwl validate prints; none without a sweep or with errors", () => {
    const cache = new AnalysisCache();
    assert.equal(cache.get(doc(valid, 1)).sweep, null, 'no sweep, no line');
    const swept = valid.replace('models:', 'sweep:\n  training.learningRate: [0.1, 0.5, 2]\nmodels:');
    const analysis = cache.get(doc(swept, 2));
    assert.ok(analysis.experiment, JSON.stringify(analysis.diagnostics));
    assert.match(analysis.sweep ?? '', /^6 jobs at 3 sweep points, about .+ of compute, up to .+ per job$/);
    writeFileSync(file, swept);
    const cli = runIwl(['validate', file]);
    assert.equal(cli.status, 0, cli.stderr);
    assert.ok(cli.stdout.includes(`: sweep: ${analysis.sweep}\n`), `the lens says what iwl validate says:\n${cli.stdout}`);
    assert.equal(cache.get(doc(swept.replace('0.5, 2]', '0.5, -2]'), 3)).sweep, null, 'an invalid file claims no cost');
  });

  test('the Quick Fix of an editor diagnostic is found by its code and range', () => {
    const cache = new AnalysisCache();
    const a = cache.get(doc(valid.replace('seeds: 1', 'seedz: 1'), 1));
    const d = a.diagnostics.find((x) => x.code === 'unknown-key');
    assert.ok(d, JSON.stringify(a.diagnostics));
    assert.equal(fixOf(a.diagnostics, 'unknown-key', d.range)?.title, 'Change to "seeds"');
    assert.equal(fixOf(a.diagnostics, 'unknown-value', d.range), null, 'another code at the same place has no fix');
    const elsewhere = { start: d.range.start, end: { ...d.range.end, character: d.range.end.character + 1 } };
    assert.equal(fixOf(a.diagnostics, 'unknown-key', elsewhere), null, 'a diagnostic from an older version of the text (moved range) gets none');
  });

  test('a syntax error still gives a diagnostic with a range and no models', () => {
    const cache = new AnalysisCache();
    const a = cache.get(doc('models: [\n', 1));
    assert.ok(a.diagnostics.some((d) => d.code === 'syntax-error'));
    assert.deepEqual(a.models, []);
  });

  test('experiment files are recognized by their double extension only', () => {
    assert.ok(isExperimentFile('/a/b/mnist.iwl.yaml'));
    assert.ok(isExperimentFile('C:\\x\\y.IWL.JSON'));
    assert.ok(isExperimentFile('z.iwl.yml'));
    assert.ok(!isExperimentFile('z.yaml'));
    assert.ok(!isExperimentFile('z.iwl.yaml.bak'));
  });
});
