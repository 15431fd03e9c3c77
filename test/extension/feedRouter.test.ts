/**
 * The panels' one feed against the real engine process: a run panel and a comparison panel opened
 * while a run streams get their snapshot from the host's run store and then deltas, so every
 * logged point reaches the run panel exactly once (the webview drops nothing), and the comparison
 * panel shows the finished jobs' entries the store holds, which are summary.json's entries.
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runIwl, tempDir, until } from '../helpers';
import { tinyExperimentText } from '../fixtures/tinyExperiment';
import { EngineClient } from '../../extension/engineClient';
import { RunManager, type FinishedRun } from '../../extension/runManager';
import { FeedRouter } from '../../extension/panels/feedRouter';
import { readRun } from '../../extension/runStore';
import { metricsFileName, readMetricsJsonl, type JobSummary, type RunSummaryEntry } from '../../engine/contract/records';
import type { DeltaMessage, MetricPoint, SnapshotMessage, ToPanel } from '../../webview/protocol';

const workspace = tempDir('iwl-feed-router-');
const resultsRoot = join(workspace, '.iwl', 'runs');
const file = join(workspace, 'feed.iwl.yaml');
// Three finite jobs one after another (one worker) and their limit, logged every step: many
// batches, so a panel opened after the first points sees the run in the middle.
writeFileSync(
  file,
  tinyExperimentText({
    name: 'feed',
    steps: 300,
    logEvery: 1,
    models: '  sgd: { kind: finite, widths: [32, 64, 128], seeds: 1, optimizer: sgd }\n  ntk: { kind: infinite, method: ntk, optimizer: sgd }',
  }),
);

const client = new EngineClient({ launch: { enginePath: join(repoRoot, 'dist', 'engine.js'), execPath: process.execPath }, backend: 'wasm', cwd: workspace });
const runs = new RunManager(client);
// Tables refreshed every 40 ms (the product's 1 s would let a job of about a second end between two
// refreshes on a quiet machine), so a running job's row is seen at several of its steps.
const router = new FeedRouter(runs, () => undefined, 40);

after(async () => {
  router.dispose();
  runs.dispose();
  await client.stop();
});

const key = (p: MetricPoint) => `${p.id}@${p.step}`;

/** What a panel was posted, through a feed that answers true (delivered). */
function panel(kind: 'run' | 'comparison' | 'table', dir: string) {
  const sent: ToPanel[] = [];
  const feed = router.open({ kind, dirs: [dir], post: (m) => (sent.push(m), true) });
  return { sent, feed };
}

/** The entry fields the panels get of a summary.json entry (no files, no timing). */
function jobFields(e: RunSummaryEntry): JobSummary & { seconds: number } {
  const { id, model, kind, method, optimizer, trainable, width, seed, status, final, rmseToLimit, limit, point, seconds } = e;
  return { id, model, kind, method, optimizer, trainable, width, seed, status, final, rmseToLimit, limit, ...(point ? { point } : {}), seconds };
}

describe('panel feeds from the host run store (real engine process)', () => {
  test('panels opened mid-run: every point exactly once; the comparison shows the job entries the store holds', { timeout: 120_000 }, async () => {
    const done = new Promise<FinishedRun>((resolve) => runs.onDidFinish(resolve));
    const run = await runs.start({ experimentFile: file, resultsRoot, workers: 1 });
    await until(() => run.records.length >= 20, 'the first logged points');
    const runPanel = panel('run', run.outDir);
    const comparison = panel('comparison', run.outDir);
    const table = panel('table', run.outDir);
    await Promise.all([runPanel.feed.onReady(), comparison.feed.onReady(), table.feed.onReady()]);
    const { end } = await done;
    assert.equal(end.status, 'completed', end.error);
    const isFinal = (m: ToPanel) => m.type === 'snapshot' && m.runs[0].status === 'completed';
    await until(() => runPanel.sent.some(isFinal) && comparison.sent.some(isFinal) && table.sent.some(isFinal), 'the final snapshots');

    const onDisk = readMetricsJsonl(readFileSync(join(run.outDir, metricsFileName), 'utf8'));
    const sent = runPanel.sent;
    const first = sent[0] as SnapshotMessage;
    assert.equal(first.type, 'snapshot');
    assert.equal(first.runs[0].status, 'running');
    assert.equal(first.runs[0].live, true);
    const finalAt = sent.findIndex(isFinal);
    const deltas = sent.slice(1, finalAt) as DeltaMessage[];
    assert.ok(deltas.every((m) => m.type === 'delta'), `between the live and the final snapshot only deltas: ${sent.map((m) => m.type).join(' ')}`);
    assert.deepEqual(sent.map((m) => ('seq' in m ? m.seq : -1)), sent.map((_, i) => i + 1), 'numbered one after another');
    const snapshotPoints = first.runs[0].records.length;
    assert.ok(snapshotPoints > 0 && snapshotPoints < onDisk.length && deltas.length > 0, `opened mid-run: ${snapshotPoints} of ${onDisk.length} points in the snapshot, ${deltas.length} deltas after`);

    // Snapshot then deltas: exactly the points metrics.jsonl holds, each once, each job in step order.
    const streamed = [...first.runs[0].records, ...deltas.flatMap((d) => d.records)];
    const counts = new Map<string, number>();
    for (const p of streamed) counts.set(key(p), (counts.get(key(p)) ?? 0) + 1);
    assert.deepEqual([...counts.entries()].filter(([, n]) => n !== 1), [], 'no point twice');
    assert.deepEqual(streamed.map(key).sort(), onDisk.map(key).sort(), 'no point missing');
    for (const id of new Set(onDisk.map((p) => p.id))) {
      assert.deepEqual(streamed.filter((p) => p.id === id).map((p) => p.step), onDisk.filter((p) => p.id === id).map((p) => p.step), `${id} in step order`);
    }
    const last = sent[finalAt] as SnapshotMessage;
    assert.deepEqual(last.runs[0].records.map(key), onDisk.map(key), 'the final snapshot is the finished folder');

    // The comparison panel: a live snapshot carries the very entries the store held (the engine's
    // job results, not a re-read of summary.json), and they are summary.json's entries, in its order.
    const jobs = (await readRun(run.outDir)).summary!.runs.map(jobFields);
    assert.equal(jobs.length, 4);
    const live = comparison.sent.filter((m): m is SnapshotMessage => m.type === 'snapshot' && m.runs[0].live);
    const entryCounts = live.map((m) => m.runs[0].entries.length);
    assert.ok(entryCounts.some((n) => n > 0 && n < jobs.length), `a snapshot between the first and the last job: ${entryCounts.join(', ')} entries`);
    for (const m of live) {
      const entries = m.runs[0].entries;
      // The run manager's own entry objects (the run object keeps them after the run ends).
      for (const e of entries) assert.ok(run.entries.some((x) => x === e), `${e.id}: the store's own entry`);
      const ids = entries.map((e) => e.id);
      assert.deepEqual(entries, jobs.filter((j) => ids.includes(j.id)));
    }
    assert.deepEqual((comparison.sent.find(isFinal) as SnapshotMessage).runs[0].entries, jobs);

    // The experiments table: snapshots only (no deltas, no curves), every planned job a row from the
    // start, running jobs' figures moving between snapshots, the finished table iwl table's.
    assert.ok(table.sent.every((m) => m.type === 'snapshot' && m.runs[0].records.length === 0 && m.runs[0].tables), 'table panels get snapshots of rows');
    const tables = (table.sent as SnapshotMessage[]).map((m) => m.runs[0].tables!.job);
    const liveTables = tables.slice(0, (table.sent as SnapshotMessage[]).findIndex((m) => !m.runs[0].live));
    assert.ok(liveTables.length >= 3, `live table snapshots: ${liveTables.length}`);
    assert.ok(liveTables.every((t) => t.rows.length === jobs.length), 'every planned job has a row while the run goes');
    const statuses = new Set(liveTables.flatMap((t) => t.rows.map((r) => r.status)));
    assert.ok(statuses.has('running') && statuses.has('completed'), [...statuses].join(', '));
    const runningLoss = new Set(liveTables.flatMap((t) => t.rows.filter((r) => r.id === 'sgd/w128/s0' && r.status === 'running').map((r) => r.testLoss)));
    assert.ok(runningLoss.size >= 2, `a running job's test loss moves between snapshots: ${[...runningLoss].join(', ')}`);
    const lastTable = (table.sent.find(isFinal) as SnapshotMessage).runs[0].tables!;
    assert.deepEqual(lastTable.job.rows, JSON.parse(runIwl(['table', run.outDir, '--format', 'json']).stdout).rows, 'the finished table is iwl table');
  });
});
