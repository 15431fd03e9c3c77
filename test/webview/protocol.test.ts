import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { maxExportChars, parseFromPanel, parsePanelState } from '../../webview/protocol';

const ok = (v: unknown) => {
  const r = parseFromPanel(v);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.message;
};
const rejected = (v: unknown, pattern: RegExp) => {
  const r = parseFromPanel(v);
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.error, pattern);
};

describe('parseFromPanel: the host acts only on messages that pass', () => {
  test('accepts every message kind and copies only known fields', () => {
    assert.deepEqual(ok({ type: 'ready', extra: 1 }), { type: 'ready' });
    assert.deepEqual(ok({ type: 'resync', lastSeq: 4 }), { type: 'resync', lastSeq: 4 });
    assert.deepEqual(ok({ type: 'selection', ui: { logY: true, smoothing: 0.9, hidden: ['ntk|inf'], zoom: { testLoss: [10, 50] }, metric: 'testLoss' } }), {
      type: 'selection',
      ui: { logY: true, smoothing: 0.9, hidden: ['ntk|inf'], zoom: { testLoss: [10, 50] }, metric: 'testLoss' },
    });
    assert.equal(ok({ type: 'export', format: 'png', fileName: 'test-loss.png', encoding: 'base64', data: 'iVBORw0KGgo=' }).type, 'export');
    assert.equal(ok({ type: 'export', format: 'csv', fileName: 'a.csv', encoding: 'utf8', data: 'step\n1\n' }).type, 'export');
    assert.deepEqual(ok({ type: 'openRun', dir: '/w/.iwl/runs/a/b' }), { type: 'openRun', dir: '/w/.iwl/runs/a/b' });
    assert.deepEqual(ok({ type: 'log', level: 'error', message: 'x' }), { type: 'log', level: 'error', message: 'x' });
  });

  test('rejects with a message that names the field and the value', () => {
    rejected(null, /object with a string "type"/);
    rejected({ type: 'launch' }, /unknown panel message type "launch"/);
    rejected({ type: 'resync', lastSeq: '3' }, /lastSeq must be an integer, got "3"/);
    rejected({ type: 'selection', ui: { smoothing: 1 } }, /smoothing must be a number in \[0, 1\), got 1/);
    rejected({ type: 'selection', ui: { zoom: { a: [1] } } }, /ui.zoom.a must be \[min, max\]/);
    rejected({ type: 'selection', ui: { metric: 'loss' } }, /ui.metric must be one of/);
    rejected({ type: 'log', level: 'debug', message: 'x' }, /level must be "info" or "error"/);
  });

  test("the experiments table's messages: rows to plot or compare, its view state, opening it", () => {
    assert.deepEqual(ok({ type: 'openRun', dir: '/r', jobs: ['sgd/lr=2/w64/s0'] }), { type: 'openRun', dir: '/r', jobs: ['sgd/lr=2/w64/s0'] });
    assert.deepEqual(ok({ type: 'openComparison', dir: '/r', jobs: [] }), { type: 'openComparison', dir: '/r', jobs: [] });
    assert.deepEqual(ok({ type: 'openTable', dir: '/r' }), { type: 'openTable', dir: '/r' });
    const table = { rows: 'point', sort: { column: 'figure:testLoss', descending: true }, filter: 'adam', columnFilters: { width: '>64' }, hiddenColumns: ['figure:seconds'] };
    assert.deepEqual(ok({ type: 'selection', ui: { table, xAxis: 'optimizer.learningRate', jobs: ['a'] } }), { type: 'selection', ui: { table, xAxis: 'optimizer.learningRate', jobs: ['a'] } });
    rejected({ type: 'openRun', dir: '/r', jobs: [3] }, /openRun: jobs must be a list of job ids/);
    rejected({ type: 'openTable' }, /openTable: dir must be a run folder path/);
    rejected({ type: 'selection', ui: { table: { rows: 'seed' } } }, /ui.table.rows must be "job" or "point", got "seed"/);
    rejected({ type: 'selection', ui: { table: { sort: { column: 'x' } } } }, /ui.table.sort must be \{ column, descending \}/);
    rejected({ type: 'selection', ui: { xAxis: '' } }, /ui.xAxis must be "width" or a setting's dotted path/);
  });

  test('exports: no paths in the file name, the right encoding, base64 for PNG, a size limit', () => {
    const base = { type: 'export', format: 'svg', encoding: 'utf8', data: '<svg/>' };
    rejected({ ...base, fileName: '../../etc/passwd.svg' }, /plain file name ending in \.svg/);
    rejected({ ...base, fileName: 'chart.png' }, /ending in \.svg/);
    rejected({ ...base, format: 'exe', fileName: 'a.exe' }, /format must be one of png, svg, csv, json, got "exe"/);
    rejected({ ...base, format: 'png', fileName: 'a.png' }, /png file must be sent as base64/);
    rejected({ ...base, format: 'png', fileName: 'a.png', encoding: 'base64', data: 'not base64!' }, /not base64/);
    rejected({ ...base, fileName: 'a.svg', data: '' }, /non-empty/);
    rejected({ ...base, fileName: 'a.svg', data: 'x'.repeat(maxExportChars + 1) }, /over the .* limit/);
  });
});

describe('parsePanelState: what the serializer restores', () => {
  test('the saved run folders and UI state of the right kind of panel', () => {
    assert.deepEqual(parsePanelState({ kind: 'run', dirs: ['/a'], ui: { logY: true } }, 'run'), { kind: 'run', dirs: ['/a'], ui: { logY: true } });
    assert.equal(parsePanelState({ kind: 'overlay', dirs: ['/a'] }, 'run'), null);
    assert.equal(parsePanelState({ kind: 'run', dirs: [] }, 'run'), null);
    assert.equal(parsePanelState(undefined, 'run'), null);
    assert.deepEqual(parsePanelState({ kind: 'run', dirs: ['/a'], ui: { smoothing: 7 } }, 'run'), { kind: 'run', dirs: ['/a'], ui: {} }, 'bad UI state is dropped, the panel still restores');
  });
});
