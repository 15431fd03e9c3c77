import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXPERIMENT_FILE_EXTENSIONS, EXPERIMENT_FILE_GLOB, YAML_EXPERIMENT_FILE_GLOB, experimentStem, experimentSuffix, isExperimentFile } from '../../extension/experimentFiles';
import { repoRoot } from '../helpers';

test('experiment files: one suffix rule for the lenses, pickers, example copies and run labels', () => {
  for (const name of ['quickstart.iwl.yaml', 'a.iwl.yml', 'b.iwl.json', 'C.IWL.YAML']) assert.ok(isExperimentFile(name), name);
  for (const name of ['quickstart.yaml', 'iwl.yaml', 'a.iwl.yaml.bak', 'a.iwl.txt']) assert.ok(!isExperimentFile(name), name);
  assert.equal(experimentStem('mnist-width-sweep.iwl.yaml'), 'mnist-width-sweep');
  assert.equal(experimentStem('teacher-regression.iwl.json'), 'teacher-regression');
  assert.equal(experimentStem('notes.txt'), 'notes.txt');
  // The glob names the same three suffixes, and every shipped example matches the rule.
  assert.equal(EXPERIMENT_FILE_GLOB, '**/*.iwl.{yaml,yml,json}');
  assert.equal(YAML_EXPERIMENT_FILE_GLOB, '**/*.iwl.{yaml,yml}');
  const examples = readdirSync(join(repoRoot, 'examples')).filter((f) => /\.(ya?ml|json)$/.test(f));
  assert.ok(examples.length >= 8 && examples.every(isExperimentFile), examples.join(', '));
});

test("package.json's activation event, languages and JSON schema name the experiment files of experimentFiles.ts", () => {
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    activationEvents: string[];
    contributes: { languages: { id: string; extensions?: string[] }[]; jsonValidation: { fileMatch: string }[] };
  };
  assert.ok(manifest.activationEvents.includes(`workspaceContains:${EXPERIMENT_FILE_GLOB}`), manifest.activationEvents.join(', '));
  const declared = manifest.contributes.languages.flatMap((l) => (l.extensions ?? []).filter(isExperimentFile).map((e) => `${l.id} ${e}`));
  assert.deepEqual(declared.sort(), EXPERIMENT_FILE_EXTENSIONS.map((e) => `${e.endsWith('.json') ? 'json' : 'yaml'} ${e}`).sort());
  const schemaFiles = manifest.contributes.jsonValidation.map((v) => v.fileMatch);
  assert.deepEqual(schemaFiles, EXPERIMENT_FILE_EXTENSIONS.filter((e) => e.endsWith('.json')).map((e) => `*${e}`));
  assert.equal(experimentSuffix('Notes.IWL.YML'), '.IWL.YML');
  assert.equal(experimentSuffix('notes.yaml'), '');
});
