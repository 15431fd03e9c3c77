/** `iwl validate` and `iwl schema` as a user runs them: exit codes, the FILE:LINE:COL format, no stack traces. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runIwl, tempDir, experimentFilesIn } from '../../helpers';
import { baseYaml } from './experimentHelpers';

const line = /^(.+):(\d+):(\d+): (error|warning) ([a-z0-9]+(?:-[a-z0-9]+)*): (.+)$/;

function assertNoStackTrace(output: string): void {
  assert.doesNotMatch(output, /\n\s+at .+[:(]\d+/, 'no stack trace');
  assert.doesNotMatch(output, /\b(TypeError|RangeError|ReferenceError|SyntaxError)\b/, 'no raw JS error');
}

describe('iwl validate', () => {
  test('a valid file: exit 0, nothing on stderr', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'ok.iwl.yaml'), baseYaml);
    const r = runIwl(['validate', 'ok.iwl.yaml'], { cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /ok\.iwl\.yaml: valid \(2 models\)/);
  });

  test('an invalid file: exit 2 and one FILE:LINE:COL line per problem', () => {
    const dir = tempDir();
    const text = baseYaml.replace('- dense: { width: 16 }', '- dense: { width: -3 }').replace('loss', 'loss').replace('models:', 'loss: mae\nmodels:');
    writeFileSync(join(dir, 'bad.iwl.yaml'), text);
    const r = runIwl(['validate', 'bad.iwl.yaml'], { cwd: dir });
    assert.equal(r.status, 2);
    const lines = r.stderr.trimEnd().split('\n');
    assert.deepEqual(lines, [
      'bad.iwl.yaml:5:23: error out-of-range: network.layers[0].dense.width: must be a positive integer, got -3',
      'bad.iwl.yaml:9:7: error unknown-value: loss: must be one of mse, crossEntropy, got "mae"; did you mean "mse"?',
    ]);
    assertNoStackTrace(r.stdout + r.stderr);
  });

  test('empty, binary, non-UTF-8, missing files and folders: exit 2, a line each, no stack trace', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'empty.iwl.yaml'), '');
    writeFileSync(join(dir, 'blank.iwl.json'), '  \n\n');
    writeFileSync(join(dir, 'binary.iwl.yaml'), new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]));
    writeFileSync(join(dir, 'latin1.iwl.yaml'), Uint8Array.from(Buffer.from('name: caf\xe9\n', 'latin1')));
    mkdirSync(join(dir, 'folder.iwl.yaml'));
    const files = ['empty.iwl.yaml', 'blank.iwl.json', 'binary.iwl.yaml', 'latin1.iwl.yaml', 'missing.iwl.yaml', 'folder.iwl.yaml'];
    const r = runIwl(['validate', ...files], { cwd: dir });
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, files.length, r.stderr);
    const parsed = lines.map((l) => line.exec(l));
    assert.ok(parsed.every(Boolean), r.stderr);
    assert.deepEqual(parsed.map((m) => [m![1], `${m![2]}:${m![3]}`, m![5]]), [
      ['empty.iwl.yaml', '1:1', 'empty-file'],
      ['blank.iwl.json', '1:1', 'empty-file'],
      ['binary.iwl.yaml', '3:1', 'binary-file'], // the NUL after the PNG signature's \r\n and \n
      ['latin1.iwl.yaml', '1:10', 'invalid-utf8'],
      ['missing.iwl.yaml', '1:1', 'file-not-found'],
      ['folder.iwl.yaml', '1:1', 'not-a-file'],
    ]);
    assertNoStackTrace(r.stdout + r.stderr);
  });

  test('valid and invalid files together: exit 2; warnings alone keep exit 0', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'ok.iwl.yaml'), baseYaml);
    writeFileSync(join(dir, 'warn.iwl.yaml'), baseYaml.replace('learningRate: 0.5 }', 'learningRate: 0.5, logEvery: 50 }'));
    writeFileSync(join(dir, 'bad.iwl.json'), '{ "data": ');
    const both = runIwl(['validate', 'ok.iwl.yaml', 'bad.iwl.json'], { cwd: dir });
    assert.equal(both.status, 2);
    assert.match(both.stdout, /ok\.iwl\.yaml: valid/);
    assert.match(both.stderr, /^bad\.iwl\.json:1:11: error syntax-error: JSON: expected a value$/m);
    const warn = runIwl(['validate', 'warn.iwl.yaml'], { cwd: dir });
    assert.equal(warn.status, 0, warn.stderr);
    assert.match(warn.stderr, /^warn\.iwl\.yaml:8:53: warning log-every-exceeds-steps: training\.logEvery: 50 is larger than steps 20/m);
    assert.match(warn.stdout, /valid \(2 models, 1 warning\)/);
  });

  test('no arguments: usage on stderr, exit 2', () => {
    const r = runIwl(['validate']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /Usage: iwl validate FILE\.\.\./);
  });

  test('every example validates through the CLI', () => {
    const examples = experimentFilesIn(join(repoRoot, 'examples')).sort();
    assert.ok(examples.length >= 8, `examples found: ${examples.join(', ')}`);
    const r = runIwl(['validate', ...examples.map((f) => join('examples', f))], { cwd: repoRoot });
    assert.equal(r.status, 0, r.stderr);
    // One verdict per file: none was skipped.
    for (const f of examples) assert.ok(r.stdout.includes(f), `${f} is not in the output:\n${r.stdout}`);
  });
});

describe('iwl schema', () => {
  test('prints the committed JSON Schema; --markdown the committed reference; --out writes it', () => {
    const json = runIwl(['schema']);
    assert.equal(json.status, 0, json.stderr);
    assert.equal(json.stdout, readFileSync(join(repoRoot, 'schema', 'experiment.schema.json'), 'utf8'));
    const md = runIwl(['schema', '--markdown']);
    assert.equal(md.stdout, readFileSync(join(repoRoot, 'docs', 'experiment-reference.md'), 'utf8'));
    const dir = tempDir();
    const out = runIwl(['schema', '--out', join(dir, 'sub', 's.json')]);
    assert.equal(out.status, 0, out.stderr);
    assert.equal(readFileSync(join(dir, 'sub', 's.json'), 'utf8'), json.stdout);
    const bad = runIwl(['schema', '--bogus']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown option --bogus/);
  });
});
