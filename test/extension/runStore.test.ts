import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { tempDir } from '../helpers';
import { deleteRun, latestEntriesOf, latestRunOf, listRuns, markRunEnded, metricsCsv, newRunFolder, readRun, samePath } from '../../extension/runStore';
import { runFolderName, timeOfFolderName, type RunManifest, type RunSummary } from '../../engine/contract/records';

function summary(status: RunSummary['status'], startedAt: string, models: string[] = []): RunSummary {
  return {
    status,
    experiment: 'tiny',
    experimentFile: 'tiny.iwl.yaml',
    startedAt,
    finishedAt: status === 'running' ? null : startedAt,
    seconds: 2,
    backend: 'wasm',
    backendDetail: 'wasm (XNNPACK, 1 thread, SIMD)',
    versions: { iwl: '0.1.0' },
    seed: 0,
    data: null,
    runs: models.map((model) => ({
      id: model,
      model,
      kind: 'infinite',
      method: 'ntk',
      optimizer: 'sgd',
      trainable: null,
      width: null,
      seed: null,
      status: 'completed',
      final: { step: 10, trainLoss: 0.1, testLoss: 0.2, testAccuracy: null },
      rmseToLimit: null,
      limit: null,
      predictionsFile: null,
      seconds: 1,
      info: {},
    })),
  };
}

function manifest(experimentFile: string, startedAt: string): RunManifest {
  return {
    formatVersion: 1,
    runId: 'r1',
    experiment: 'tiny',
    experimentFile,
    experimentPath: basename(experimentFile),
    seed: 0,
    startedAt,
    onlyModels: null,
    backend: { name: 'wasm', detail: 'wasm (XNNPACK, 1 thread, SIMD)' },
    versions: { iwl: '0.1.0' },
    gitCommit: null,
    gitDirty: null,
  };
}

function writeRun(root: string, file: string, startedAt: string, content: RunSummary | string | null, experimentFile?: string): string {
  const dir = join(root, file, runFolderName(new Date(startedAt)));
  mkdirSync(dir, { recursive: true });
  if (content !== null) writeFileSync(join(dir, 'summary.json'), typeof content === 'string' ? content : JSON.stringify(content));
  if (experimentFile) writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest(experimentFile, startedAt)));
  return dir;
}

describe('run store', () => {
  test('run folder names sort by time and read back as the same second', () => {
    const date = new Date('2026-11-29T17:38:05.123Z');
    assert.equal(runFolderName(date), '2026-11-29T17-38-05Z');
    assert.equal(timeOfFolderName('2026-11-29T17-38-05Z-2')?.toISOString(), '2026-11-29T17:38:05.000Z');
    const root = tempDir();
    const first = newRunFolder(root, '/x/a.iwl.yaml', date);
    mkdirSync(first, { recursive: true });
    assert.equal(newRunFolder(root, '/x/a.iwl.yaml', date), `${first}-2`, 'two runs in one second get distinct folders');
  });

  test('two paths to one run folder are the same run (panels, the feed and the run manager match runs so)', () => {
    const root = tempDir();
    const dir = join(root, 'a.iwl.yaml', '2026-11-29T17-38-05Z');
    assert.ok(samePath(dir, `${dir}/`));
    assert.ok(samePath(dir, join(root, 'a.iwl.yaml', '.', 'x', '..', '2026-11-29T17-38-05Z')));
    assert.ok(!samePath(dir, `${dir}-2`));
  });

  test('a summary still "running" is interrupted unless a live engine writes it', async () => {
    const root = tempDir();
    const dir = writeRun(root, 'a.iwl.yaml', '2026-11-29T10:00:00Z', summary('running', '2026-11-29T10:00:00Z'));
    assert.equal((await readRun(dir)).status, 'interrupted');
    assert.match((await readRun(dir)).error ?? '', /interrupted/);
    assert.equal((await readRun(dir, (d) => d === dir)).status, 'running');
    const empty = writeRun(root, 'a.iwl.yaml', '2026-11-29T11:00:00Z', null);
    assert.equal((await readRun(empty)).status, 'interrupted', 'a folder without summary.json was cut short');
    const broken = writeRun(root, 'a.iwl.yaml', '2026-11-29T12:00:00Z', '{"status": "compl');
    assert.equal((await readRun(broken)).status, 'interrupted', 'a torn summary.json does not break the listing');
    const foreign = writeRun(root, 'a.iwl.yaml', '2026-11-29T13:00:00Z', '{"status": "completed"}');
    assert.equal((await readRun(foreign)).summary, null, 'a summary.json that is not a RunSummary does not read');
    assert.equal((await readRun(foreign)).status, 'interrupted');
  });

  test('listing groups runs by experiment, newest first, and finds the latest run of a file', async () => {
    const root = tempDir();
    writeRun(root, 'b.iwl.yaml', '2026-11-29T09:00:00Z', summary('completed', '2026-11-29T09:00:00Z', ['ntk']), '/ws/b.iwl.yaml');
    const newer = writeRun(root, 'b.iwl.yaml', '2026-11-29T10:00:00Z', summary('failed', '2026-11-29T10:00:00Z'), '/ws/b.iwl.yaml');
    const other = writeRun(root, 'b.iwl.yaml', '2026-11-29T11:00:00Z', summary('completed', '2026-11-29T11:00:00Z'), '/elsewhere/b.iwl.yaml');
    writeRun(root, 'a.iwl.json', '2026-11-29T08:00:00Z', summary('cancelled', '2026-11-29T08:00:00Z'));
    const experiments = await listRuns(root);
    assert.deepEqual(experiments.map((e) => e.key), ['a.iwl.json', 'b.iwl.yaml']);
    assert.deepEqual(experiments[1].runs.map((r) => r.status), ['completed', 'failed', 'completed']);
    assert.equal(experiments[1].runs[0].dir, other);
    // Another file of the same name has its own runs: the manifest tells them apart.
    assert.equal(latestRunOf(experiments, '/ws/b.iwl.yaml')?.dir, newer);
    assert.equal(latestRunOf(experiments, '/elsewhere/b.iwl.yaml')?.dir, other);
    assert.equal(latestRunOf(experiments, '/ws/none.iwl.yaml'), null);
    // The newest run that has figures for a model: the failed run has none, the older one has.
    assert.equal(latestEntriesOf(experiments, '/ws/b.iwl.yaml', 'ntk')?.entries[0].final?.testLoss, 0.2);
    assert.deepEqual(await listRuns(join(root, 'missing')), [], 'no results folder yet is no runs');
  });

  test('a run the engine could not finish gets its final status; a finished one is left alone', async () => {
    const root = tempDir();
    const running = writeRun(root, 'a.iwl.yaml', '2026-11-29T10:00:00Z', summary('running', '2026-11-29T10:00:00Z', ['ntk']));
    markRunEnded(running, 'failed', 'the engine process was killed by SIGKILL');
    const after = await readRun(running);
    assert.equal(after.status, 'failed');
    assert.equal(after.error, 'the engine process was killed by SIGKILL');
    assert.equal(after.summary?.runs.length, 1, 'what was recorded is kept');
    const done = writeRun(root, 'a.iwl.yaml', '2026-11-29T11:00:00Z', summary('completed', '2026-11-29T11:00:00Z'));
    markRunEnded(done, 'failed', 'late');
    assert.equal((await readRun(done)).status, 'completed');
    const bare = join(root, 'a.iwl.yaml', 'bare');
    markRunEnded(bare, 'cancelled', 'stopped before the engine wrote anything');
    assert.equal(JSON.parse(readFileSync(join(bare, 'summary.json'), 'utf8')).status, 'cancelled');
  });

  test('delete removes a run folder and refuses anything that is not one', () => {
    const root = tempDir();
    const a = writeRun(root, 'a.iwl.yaml', '2026-11-29T10:00:00Z', summary('completed', '2026-11-29T10:00:00Z'));
    assert.throws(() => deleteRun(root, join(root, 'a.iwl.yaml')), /not a run folder/);
    assert.throws(() => deleteRun(root, root), /not a run folder/);
    assert.throws(() => deleteRun(join(root, 'a.iwl.yaml'), a), /not a run folder/);
    deleteRun(root, a);
    assert.equal(existsSync(a), false);
    assert.equal(existsSync(join(root, 'a.iwl.yaml')), false, 'an emptied experiment folder goes too');
  });

  test('metrics.jsonl exports as CSV with fixed columns and empty cells for missing figures', () => {
    const jsonl = [
      { id: 'ntk', model: 'ntk', width: null, seed: null, step: 0, trainLoss: 0.5, testLoss: 0.6, elapsedSeconds: 0 },
      { id: 'sgd/w8/s0', model: 'sgd', width: 8, seed: 0, step: 5, trainLoss: 0.25, testLoss: 0.3, testAccuracy: 0.75, rmseToLimit: 0.01, elapsedSeconds: 1.5 },
    ].map((r) => JSON.stringify(r)).join('\n') + '\n\n';
    const csv = metricsCsv(jsonl).trim().split('\n');
    assert.equal(csv[0], 'id,model,width,seed,step,trainLoss,testLoss,testAccuracy,rmseToLimit,elapsedSeconds');
    assert.equal(csv[1], 'ntk,ntk,,,0,0.5,0.6,,,0');
    assert.equal(csv[2], 'sgd/w8/s0,sgd,8,0,5,0.25,0.3,0.75,0.01,1.5');
  });
});
