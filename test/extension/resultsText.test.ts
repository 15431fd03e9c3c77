import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { compareMarkdown, summaryMarkdown } from '../../extension/resultsText';
import type { StoredRun } from '../../extension/runStore';
import type { RunSummaryEntry } from '../../engine/contract/records';

function entry(id: string, testLoss: number, testAccuracy: number | null): RunSummaryEntry {
  return {
    id, model: id.split('/')[0], kind: id.includes('/') ? 'finite' : 'infinite', method: id.includes('/') ? null : 'ntk', optimizer: 'sgd', trainable: id.includes('/') ? 'all' : null,
    width: id.includes('/') ? 64 : null, seed: id.includes('/') ? 0 : null, status: 'completed', final: { step: 10, trainLoss: testLoss / 2, testLoss, testAccuracy },
    rmseToLimit: id.includes('/') ? 0.05 : null, limit: id.includes('/') ? 'ntk' : null, predictionsFile: null, seconds: 1.5, info: {},
  };
}

function run(startedAt: string, entries: RunSummaryEntry[]): StoredRun {
  return {
    dir: `/ws/.iwl/runs/a.iwl.yaml/${startedAt}`,
    experimentKey: 'a.iwl.yaml',
    startedAt: new Date(startedAt),
    status: 'completed',
    manifest: null,
    summary: {
      status: 'completed', experiment: 'a', experimentFile: 'a.iwl.yaml', startedAt, finishedAt: startedAt, seconds: 3, backend: 'wasm', backendDetail: 'wasm (XNNPACK)',
      versions: { iwl: '0.1.0' }, seed: 0, data: null, runs: entries,
    },
  };
}

describe('results as Markdown', () => {
  test('one run: a row per job with its final figures and the gap to its limit', () => {
    const text = summaryMarkdown(run('2026-11-29T10:00:00Z', [entry('ntk', 0.2, 0.9), entry('sgd/w64/s0', 0.4, 0.85)]));
    assert.match(text, /^# a · 2026-11-29 10:00:00 UTC/);
    assert.match(text, /\| ntk \| ntk \| ntk \(sgd\) \| ∞ \|  \| completed \| 10 \| 0\.1 \| 0\.2 \| 90\.0% \|  \| 1\.5 s \|/);
    assert.match(text, /\| sgd\/w64\/s0 \| sgd \| sgd \| 64 \| 0 \| completed \| 10 \| 0\.2 \| 0\.4 \| 85\.0% \| 0\.05 \(vs ntk\) \| 1\.5 s \|/);
  });

  test('a comparison lines jobs up by id, with the change against the first run', () => {
    const a = run('2026-11-29T10:00:00Z', [entry('ntk', 0.2, null)]);
    const b = run('2026-11-29T11:00:00Z', [entry('ntk', 0.1, null), entry('sgd/w64/s0', 0.3, null)]);
    const text = compareMarkdown([a, b]);
    assert.match(text, /1\. a · 2026-11-29 10:00:00 UTC \(completed\) · baseline/);
    assert.match(text, /\| ntk \| 0\.2 \| 0\.1 \(-50\.0%\) \|/);
    assert.match(text, /\| sgd\/w64\/s0 \| — \| 0\.3 \|/, 'a job missing from a run shows a dash');
    assert.doesNotMatch(text, /acc/, 'regression runs have no accuracy columns');
  });
});
