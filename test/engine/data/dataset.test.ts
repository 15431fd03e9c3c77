import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadDataset } from '../../../engine/data/dataset';
import { CancelledError } from '../../../engine/util/iwlError';
import { repoRoot } from '../../helpers';

describe('loadDataset', () => {
  test('an aborted signal stops every source with CancelledError, not an IwlError', async () => {
    const controller = new AbortController();
    controller.abort();
    const specs = [
      { source: 'mnist', train: 10, test: 10, classes: null },
      { source: 'csv', path: join(repoRoot, 'test', 'fixtures', 'data', 'flowers.csv'), target: 'species', test: 0.25, task: null },
      { source: 'synthetic', kind: 'sine', inputDim: 3, train: 10, test: 5, outputs: 1, noise: 0 },
    ] as const;
    for (const spec of specs) {
      await assert.rejects(loadDataset(spec, 0, { signal: controller.signal }), CancelledError, spec.source);
    }
  });

  test('the description names the source and the sizes', async () => {
    const data = await loadDataset({ source: 'mnist', train: 20, test: 10, classes: [4, 9] }, 1);
    assert.match(data.description, /mnist/);
    assert.match(data.description, /20 train \+ 10 test/);
    assert.match(data.description, /\[4, 9\]/);
  });
});
