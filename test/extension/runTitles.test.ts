import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { experimentNameOf, runFileStem, runLabel, runTitle } from '../../extension/runTitles';
import type { StoredRun } from '../../extension/runStore';

const dir = join('/ws', '.iwl', 'runs', 'mnist-width-sweep.iwl.yaml', '2026-11-29T17-38-05Z');
const run = (experiment: string): StoredRun => ({
  dir,
  experimentKey: 'mnist-width-sweep.iwl.yaml',
  startedAt: new Date('2026-11-29T17:38:05.123Z'),
  status: 'completed',
  summary: experiment ? ({ experiment } as StoredRun['summary']) : null,
  manifest: null,
});

test('one name for a run: the title panels and pickers show, the tab label, the export file stem', () => {
  assert.equal(runTitle(run('width sweep')), 'width sweep · 2026-11-29 17:38:05 UTC');
  // A run whose summary names no experiment (one the host marked failed) falls back to its file's name.
  assert.equal(experimentNameOf(run('')), 'mnist-width-sweep.iwl.yaml');
  assert.equal(runLabel(dir), 'mnist-width-sweep 2026-11-29T17-38-05Z');
  assert.equal(runFileStem(dir), 'mnist-width-sweep-2026-11-29T17-38-05Z');
  assert.equal(runFileStem(join('/ws', 'my sweep.iwl.json', '2026-11-29T17-38-05Z-2')), 'my-sweep-2026-11-29T17-38-05Z-2');
});
