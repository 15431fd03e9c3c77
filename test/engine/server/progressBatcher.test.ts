import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ProgressBatcher } from '../../../engine/server/progressBatcher';
import type { RunProgressParams } from '../../../engine/contract/engineProtocol';

const point = (step: number) => ({ id: 'sgd/w8/s0', model: 'sgd', width: 8, seed: 0, step, trainLoss: 1 / (step + 1), testLoss: 1, elapsedSeconds: step });

describe('progress batches', () => {
  test('events within one interval go out as one batch, in order, with growing sequence numbers', () => {
    let clock = 0;
    const sent: RunProgressParams[] = [];
    const batcher = new ProgressBatcher('r1', (b) => sent.push(b), 100, () => clock);
    batcher.jobStarted('sgd/w8/s0');
    for (let step = 1; step <= 50; step++) {
      clock += 1; // 50 steps within 50 ms: no batch yet
      batcher.progress('sgd/w8/s0', step, step, 200);
      if (step % 10 === 0) batcher.metrics(point(step));
    }
    assert.equal(sent.length, 0);
    clock += 60; // past the interval: the next event flushes
    batcher.progress('sgd/w8/s0', 51, 51, 200);
    assert.equal(sent.length, 1);
    assert.deepEqual(sent[0].jobsStarted, ['sgd/w8/s0']);
    assert.deepEqual(sent[0].metrics.map((m) => m.step), [10, 20, 30, 40, 50]);
    assert.deepEqual(sent[0].progress, { jobId: 'sgd/w8/s0', step: 51, doneSteps: 51, totalSteps: 200 });
    batcher.log('done');
    batcher.stop();
    assert.equal(sent.length, 2);
    assert.deepEqual(sent.map((b) => b.seq), [0, 1]);
    assert.deepEqual(sent[1].logs, ['done']);
    batcher.stop();
    assert.equal(sent.length, 2, 'an empty batch is never sent');
  });
});
