/**
 * The CLI's option parsing (util.parseArgs underneath): the flags, positionals and messages every
 * `iwl` command shows, and that `iwl run` reports each bad flag on its own line.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from '../../../engine/cli/io';
import { runIwl, tempDir } from '../../helpers';
import { tinyExperimentText } from '../../fixtures/tinyExperiment';

const spec = { values: ['out', 'model'], switches: ['quiet'] };

describe('parseArgs', () => {
  test('values as --flag value and --flag=value, switches, positionals in order', () => {
    const p = parseArgs(['a.iwl.yaml', '--out', 'dir', '--quiet', '--model=sgd', 'b'], spec);
    assert.deepEqual(p.positional, ['a.iwl.yaml', 'b']);
    assert.deepEqual([...p.values], [['out', 'dir'], ['model', 'sgd']]);
    assert.deepEqual([...p.switches], ['quiet']);
    assert.deepEqual(p.unknown, []);
  });

  test('a repeated value option keeps its last value and lists them all', () => {
    const p = parseArgs(['--model', 'sgd', '--model=ntk', '--model', 'gp'], spec);
    assert.equal(p.values.get('model'), 'gp');
    assert.deepEqual(p.lists.get('model'), ['sgd', 'ntk', 'gp']);
  });

  test('a value option takes the next argument whatever it is; an empty --flag= is a value', () => {
    assert.equal(parseArgs(['--out', '-3'], spec).values.get('out'), '-3');
    assert.equal(parseArgs(['--out', '--quiet'], spec).values.get('out'), '--quiet');
    assert.equal(parseArgs(['--out='], spec).values.get('out'), '');
  });

  test('unknown options, a switch given a value and a value option at the end are each one message', () => {
    const p = parseArgs(['--nope', 'x', '--bad=1', '--quiet=yes', '--out'], spec);
    assert.deepEqual(p.unknown, ['unknown option --nope', 'unknown option --bad=1', 'unknown option --quiet=yes', '--out needs a value']);
    assert.deepEqual(p.positional, ['x']);
    assert.equal(p.switches.size, 0);
  });

  test('single-dash arguments and everything after -- are positional', () => {
    const p = parseArgs(['-', '-3', '-ab', '--', '--out', 'x'], spec);
    assert.deepEqual(p.positional, ['-', '-3', '-ab', '--out', 'x']);
    assert.deepEqual(p.unknown, []);
    assert.equal(p.values.size, 0);
  });
});

describe('iwl run flags', () => {
  test('unknown and valueless flags: exit 2, one "iwl run:" line each, usage, no stack trace', () => {
    const result = runIwl(['run', '--bogus', '--out']);
    assert.equal(result.status, 2);
    const lines = result.stderr.split('\n').filter((l) => l.startsWith('iwl run:'));
    assert.deepEqual(lines, ['iwl run: unknown option --bogus', 'iwl run: --out needs a value', 'iwl run: expected exactly one experiment FILE', 'iwl run: --out DIR is required']);
    assert.match(result.stderr, /Usage: iwl run FILE --out DIR/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });

  test('every --model is checked against the file', () => {
    const dir = tempDir();
    const file = join(dir, 'tiny.iwl.yaml');
    writeFileSync(file, tinyExperimentText());
    const result = runIwl(['run', file, '--out', join(dir, 'out'), '--model', 'sgd', '--model=nope', '--model', 'gone']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /iwl run: no model named 'nope', 'gone' in .*tiny\.iwl\.yaml \(models: sgd, ntk\)/);
  });
});
