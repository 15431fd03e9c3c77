/**
 * The shipped examples and "New Experiment from Example": every example is listed, a copy lands
 * in the workspace with the data it reads, validates where it lands, and never overwrites a file.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, tempDir, experimentFilesIn } from '../helpers';
import { copyExample, listExamples, shippedExamplesDir } from '../../extension/examples';
import { loadExperimentFile } from '../../engine/cli/experimentFile';

const examplesDir = join(repoRoot, 'examples');

describe('example experiments', () => {
  test('the bundle finds examples/ next to dist/, as in the installed extension', () => {
    assert.equal(shippedExamplesDir(join(repoRoot, 'dist')), examplesDir);
  });

  test('every example file is listed, quickstart first, with its name and first comment line', () => {
    const listed = listExamples(examplesDir);
    const files = experimentFilesIn(examplesDir);
    assert.deepEqual(listed.map((e) => e.file).sort(), files.sort());
    assert.equal(listed[0].file, 'quickstart.iwl.yaml');
    assert.equal(listed[0].name, 'quickstart');
    assert.match(listed[0].summary, /^Quickstart: /);
    assert.equal(listed.find((e) => e.file === 'teacher-regression.iwl.json')?.name, 'teacher-regression');
  });

  test('each example copied into an empty workspace validates there without errors', () => {
    for (const { file } of listExamples(examplesDir)) {
      const workspace = tempDir('iwl-example-');
      const copied = copyExample(examplesDir, file, workspace);
      assert.equal(copied.experimentFile, join(workspace, file));
      const loaded = loadExperimentFile(copied.experimentFile, file);
      const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
      assert.deepEqual(errors, [], `${file} copied to ${workspace}`);
      assert.ok(loaded.experiment, file);
    }
  });

  test('no example names a $schema by a relative path (it would not resolve in a copy; the extension registers the schema)', () => {
    const files = experimentFilesIn(examplesDir);
    const relative: string[] = [];
    for (const f of files) {
      const text = readFileSync(join(examplesDir, f), 'utf8');
      // A JSON "$schema" key, a YAML `$schema:` key, or a yaml-language-server modeline.
      for (const m of text.matchAll(/(?:"\$schema"\s*:\s*"|^\$schema:\s*['"]?|\$schema=)([^"'\s]+)/gm)) {
        if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(m[1])) relative.push(`${f}: ${m[1]}`);
      }
    }
    assert.ok(files.some((f) => f.endsWith('.json')), 'a JSON example is among them');
    assert.deepEqual(relative, []);
  });

  test('a CSV example brings its data file; a JSON example arrives as it ships', () => {
    const workspace = tempDir('iwl-example-');
    const csv = copyExample(examplesDir, 'circles-csv.iwl.yaml', workspace);
    assert.deepEqual(csv.dataFiles, ['data/circles.csv']);
    assert.equal(readFileSync(join(workspace, 'data', 'circles.csv'), 'utf8'), readFileSync(join(examplesDir, 'data', 'circles.csv'), 'utf8'));
    const json = copyExample(examplesDir, 'teacher-regression.iwl.json', workspace);
    const parsed = JSON.parse(readFileSync(json.experimentFile, 'utf8'));
    assert.equal(parsed.$schema, undefined);
    assert.equal(parsed.name, 'teacher-regression');
    assert.equal(readFileSync(json.experimentFile, 'utf8'), readFileSync(join(examplesDir, 'teacher-regression.iwl.json'), 'utf8'));
  });

  test('copying never overwrites: a second copy gets a numbered name, and existing data is kept', () => {
    const workspace = tempDir('iwl-example-');
    copyExample(examplesDir, 'circles-csv.iwl.yaml', workspace);
    writeFileSync(join(workspace, 'data', 'circles.csv'), 'x,y,ring\n0,0,inner\n');
    const second = copyExample(examplesDir, 'circles-csv.iwl.yaml', workspace);
    assert.equal(second.experimentFile, join(workspace, 'circles-csv-2.iwl.yaml'));
    assert.deepEqual(second.dataFiles, []);
    assert.equal(readFileSync(join(workspace, 'data', 'circles.csv'), 'utf8'), 'x,y,ring\n0,0,inner\n');
    assert.ok(existsSync(join(workspace, 'circles-csv.iwl.yaml')));
    assert.equal(copyExample(examplesDir, 'circles-csv.iwl.yaml', workspace).experimentFile, join(workspace, 'circles-csv-3.iwl.yaml'));
  });

  test('an unknown example is an error naming it', () => {
    assert.throws(() => copyExample(examplesDir, 'nope.iwl.yaml', tempDir()), /no example named nope\.iwl\.yaml/);
  });
});
