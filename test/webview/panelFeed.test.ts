import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { PanelFeed } from '../../extension/panels/panelFeed';
import type { MetricPoint, RunData, ToPanel } from '../../webview/protocol';

const point = (step: number): MetricPoint => ({ id: 'a', model: 'a', width: null, seed: null, step, trainLoss: 1, testLoss: 1 });
const run = (records: MetricPoint[]): RunData => ({ dir: '/r', title: 't', status: 'running', live: true, task: null, records, entries: [], progress: null });

function harness(loadDelayMs = 0) {
  const sent: ToPanel[] = [];
  let onDisk: MetricPoint[] = [];
  let loads = 0;
  const feed = new PanelFeed({
    kind: 'run',
    post: (m) => {
      sent.push(m);
      return true;
    },
    load: async () => {
      loads++;
      const snapshot = [...onDisk];
      await new Promise((r) => setTimeout(r, loadDelayMs));
      return [run(snapshot)];
    },
  });
  return { feed, sent, setDisk: (p: MetricPoint[]) => (onDisk = p), loads: () => loads };
}

describe('PanelFeed: a snapshot after ready, then numbered deltas', () => {
  test('nothing before ready; then a snapshot; then deltas numbered one after another', async () => {
    const h = harness();
    h.feed.onPoints('/r', [point(0)], null, 'running');
    assert.equal(h.sent.length, 0, 'a panel that has not said ready gets nothing');
    h.setDisk([point(0)]);
    await h.feed.onReady();
    h.feed.onPoints('/r', [point(1)], { doneSteps: 1, totalSteps: 10, currentJob: 'a' }, 'running');
    h.feed.onPoints('/r', [point(2)], null, 'running');
    assert.deepEqual(h.sent.map((m) => [m.type, 'seq' in m ? m.seq : -1]), [['snapshot', 1], ['delta', 2], ['delta', 3]]);
    const snap = h.sent[0] as Extract<ToPanel, { type: 'snapshot' }>;
    assert.deepEqual(snap.runs[0].records.map((p) => p.step), [0]);
  });

  test('points arriving while the snapshot is read follow it as deltas, in order', async () => {
    const h = harness(20);
    h.setDisk([point(0)]);
    const ready = h.feed.onReady();
    h.feed.onPoints('/r', [point(1)], null, 'running');
    h.feed.onPoints('/r', [point(2)], null, 'running');
    await ready;
    assert.deepEqual(h.sent.map((m) => m.type), ['snapshot', 'delta', 'delta']);
    assert.deepEqual(h.sent.slice(1).map((m) => (m as Extract<ToPanel, { type: 'delta' }>).records[0].step), [1, 2]);
    assert.deepEqual(h.sent.map((m) => ('seq' in m ? m.seq : -1)), [1, 2, 3]);
  });

  test('a hidden panel gets nothing; shown again it gets a fresh snapshot with everything so far', async () => {
    const h = harness();
    await h.feed.onReady();
    await h.feed.onVisibility(false);
    h.feed.onPoints('/r', [point(1)], null, 'running');
    assert.equal(h.sent.length, 1, 'only the first snapshot');
    h.setDisk([point(0), point(1)]);
    await h.feed.onVisibility(true);
    // VS Code reloads the hidden webview, which says ready again.
    await h.feed.onReady();
    const snapshots = h.sent.filter((m) => m.type === 'snapshot') as Extract<ToPanel, { type: 'snapshot' }>[];
    assert.ok(snapshots.length >= 2);
    assert.deepEqual(snapshots[snapshots.length - 1].runs[0].records.map((p) => p.step), [0, 1]);
    const seqs = h.sent.map((m) => ('seq' in m ? m.seq : -1));
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'sequence numbers only grow');
  });

  test('resync and refresh send a fresh snapshot; the selection rides along', async () => {
    const h = harness();
    await h.feed.onReady();
    h.feed.ui = { logY: true };
    await h.feed.onResync();
    await h.feed.refresh();
    const last = h.sent[h.sent.length - 1] as Extract<ToPanel, { type: 'snapshot' }>;
    assert.equal(last.type, 'snapshot');
    assert.deepEqual(last.ui, { logY: true });
    assert.equal(h.loads(), 3);
  });

  test('after dispose nothing is sent (closing a panel stops only the panel)', async () => {
    const h = harness();
    await h.feed.onReady();
    h.feed.dispose();
    h.feed.onPoints('/r', [point(1)], null, 'running');
    assert.equal(h.sent.length, 1);
  });
});
