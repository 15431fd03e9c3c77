import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../helpers';
import { errorCodes, errorMessage, hostKindOfWire, wireCode } from '../../../engine/contract/errors';
import { formatTable } from '../../../engine/contract/runTable';
import { csvCell, csvValue, tableCsv } from '../../../engine/contract/textEscapes';
import { RecordError, readMetricLine, readMetricsJsonl, readRunManifest, readRunSummary, type RunManifest } from '../../../engine/contract/records';

const recorded = (name: string, file: string) => readFileSync(join(repoRoot, 'test', 'fixtures', 'recorded', name, file), 'utf8');

const manifest: RunManifest = {
  formatVersion: 1,
  runId: 'r1',
  experiment: 'tiny',
  experimentFile: '/ws/tiny.iwl.yaml',
  experimentPath: 'tiny.iwl.yaml',
  seed: 0,
  startedAt: '2026-11-29T10:00:00.000Z',
  onlyModels: null,
  backend: { name: 'wasm', detail: 'wasm (XNNPACK, 1 thread, SIMD)' },
  versions: { iwl: '0.1.0' },
  gitCommit: null,
  gitDirty: null,
};

/** Asserts that `read` throws a RecordError whose message names the file and the field. */
function rejects(read: () => unknown, file: string, field: string, says: RegExp): void {
  assert.throws(read, (e: unknown) => {
    assert.ok(e instanceof RecordError, `expected a RecordError, got ${e}`);
    assert.equal(e.file, file);
    assert.equal(e.field, field);
    assert.ok(e.message.startsWith(`${file}: ${field || 'the record'} `), e.message);
    assert.match(e.message, says);
    return true;
  });
}

describe('the run folder records read back through their readers', () => {
  test('recorded engine output reads as written', () => {
    for (const name of ['sweep', 'sweep-slow']) {
      const json = JSON.parse(recorded(name, 'summary.json'));
      assert.equal(readRunSummary(json), json, 'the reader returns the record itself');
      const text = recorded(name, 'metrics.jsonl');
      assert.equal(readMetricsJsonl(text).length, text.trim().split('\n').length, `every line of ${name}/metrics.jsonl`);
    }
    assert.deepEqual(readRunManifest(JSON.parse(JSON.stringify(manifest))), manifest);
  });

  test('a wrong field is named with its file and path', () => {
    const summary = JSON.parse(recorded('sweep', 'summary.json'));
    rejects(() => readRunSummary([], '/r/summary.json'), '/r/summary.json', '', /must be an object, got \[\]/);
    rejects(() => readRunSummary({ ...summary, status: 'done' }, '/r/summary.json'), '/r/summary.json', 'status', /one of "running", "completed", "cancelled", "failed", got "done"/);
    const runs = summary.runs.map((r: object, i: number) => (i === 1 ? { ...r, final: { step: 3, trainLoss: 'x' } } : r));
    rejects(() => readRunSummary({ ...summary, runs }), 'summary.json', 'runs[1].final.trainLoss', /must be a number .*got "x"/);
    const { versions: _dropped, ...noVersions } = summary;
    rejects(() => readRunSummary(noVersions), 'summary.json', 'versions', /got nothing/);
    rejects(() => readRunManifest({ ...manifest, formatVersion: 2 }, 'm.json'), 'm.json', 'formatVersion', /one of 1, got 2/);
    rejects(() => readRunManifest({ ...manifest, backend: { name: 'wasm' } }), 'manifest.json', 'backend.detail', /a string, got nothing/);
    rejects(() => readRunManifest({ ...manifest, onlyModels: ['a', 3] }), 'manifest.json', 'onlyModels[1]', /a string, got 3/);
    rejects(() => readMetricLine({ id: 'ntk', model: 'ntk', width: null, seed: null, trainLoss: 1, testLoss: 1 }), 'metrics.jsonl', 'step', /a number, got nothing/);
  });

  test('figures that were not finite (null in JSON) and lines without timing still read', () => {
    const line = { id: 'sgd/w8/s0', model: 'sgd', width: 8, seed: 0, step: 5, trainLoss: null, testLoss: null, testAccuracy: null };
    assert.equal(readMetricLine(line), line);
    const summary = JSON.parse(recorded('sweep', 'summary.json'));
    summary.runs[0].final.testLoss = null;
    summary.runs[0].rmseToLimit = null;
    assert.equal(readRunSummary(summary), summary);
  });

  test('metrics.jsonl: blank, torn and foreign lines are skipped', () => {
    const good = { id: 'ntk', model: 'ntk', width: null, seed: null, step: 0, trainLoss: 0.5, testLoss: 0.6, elapsedSeconds: 0 };
    const text = [JSON.stringify(good), '', '{"not": "a record"}', '42', JSON.stringify({ ...good, step: 1 }), '{"id":"ntk","mod'].join('\n');
    assert.deepEqual(readMetricsJsonl(text).map((p) => p.step), [0, 1]);
  });
});

describe('one table of error codes', () => {
  test('the wire codes are those the protocol has always used, each once', () => {
    const wire = Object.entries(errorCodes).flatMap(([name, e]) => ('wire' in e ? [[name, e.wire] as const] : []));
    assert.deepEqual(Object.fromEntries(wire), { INVALID_EXPERIMENT: -32001, BACKEND_UNAVAILABLE: -32002, BUSY: -32003, NOT_INITIALIZED: -32004, OUTPUT_FAILED: -32005 });
    assert.equal(wireCode('BUSY'), -32003);
  });

  test('the host kind of each wire code, and none for codes the host reports as its own failure', () => {
    assert.equal(hostKindOfWire(-32001), 'invalid-experiment');
    assert.equal(hostKindOfWire(-32002), 'backend-unavailable');
    assert.equal(hostKindOfWire(-32003), 'busy');
    assert.equal(hostKindOfWire(-32005), 'output-failed');
    assert.equal(hostKindOfWire(-32004), undefined);
    assert.equal(hostKindOfWire(-32603), undefined, "JSON-RPC's own codes are not in the table");
    const kinds = Object.values(errorCodes).flatMap((e) => ('host' in e ? [e.host] : []));
    assert.equal(new Set(kinds).size, kinds.length, 'each host kind names one code');
  });

  test('errorMessage: an Error is its message, anything else its string', () => {
    assert.equal(errorMessage(new TypeError('bad')), 'bad');
    assert.equal(errorMessage('plain'), 'plain');
    assert.equal(errorMessage(42), '42');
    assert.equal(errorMessage(undefined), 'undefined');
  });
});

describe('one quoting for the CSV the product writes', () => {
  test('a CSV cell is quoted only when it holds a comma, a quote or a line break, inner quotes doubled', () => {
    assert.equal(csvCell('sgd/w64/s0'), 'sgd/w64/s0');
    assert.equal(csvCell('relu, tanh'), '"relu, tanh"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('two\nlines'), '"two\nlines"');
    assert.equal(csvCell('cr\r'), '"cr\r"');
    assert.equal(csvCell(''), '');
  });

  test('a value is an empty cell when null or undefined, else its text quoted; a table is its lines', () => {
    assert.deepEqual([null, undefined, 0, false, 0.5, 'a,b'].map(csvValue), ['', '', '0', 'false', '0.5', '"a,b"']);
    assert.equal(tableCsv(['id', 'testLoss'], [['ntk', 0.25], ['sgd/w64/s0', undefined]]), 'id,testLoss\nntk,0.25\nsgd/w64/s0,\n');
    assert.equal(tableCsv(['id'], []), 'id\n');
  });

  test("iwl table's CSV quotes its header and cells that way; an empty value is an empty cell", () => {
    const csv = formatTable(
      {
        columns: [{ key: 'model', kind: 'setting' }, { key: 'activations', kind: 'point' }, { key: 'testLoss', kind: 'figure' }],
        rows: [
          { model: 'wide "A"', activations: 'relu, tanh', testLoss: 0.125 },
          { model: 'b', activations: 'erf', testLoss: null },
        ],
        jobs: [['a'], ['b']],
      },
      'csv',
    );
    assert.equal(csv, 'model,activations,testLoss\n"wide ""A""","relu, tanh",0.125\nb,erf,\n');
  });
});
