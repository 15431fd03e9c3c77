import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { formatAgo, formatFigure, modelFiguresText, progressText, runOutcomeText } from '../../extension/format';
import type { RunSummaryEntry } from '../../engine/contract/records';
import { formatDuration } from '../../engine/contract/durations';

const now = new Date('2026-11-29T12:00:00Z');
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);

function entry(partial: Partial<RunSummaryEntry> & Pick<RunSummaryEntry, 'id' | 'model'>): RunSummaryEntry {
  return {
    kind: 'finite',
    method: null,
    optimizer: 'sgd',
    trainable: 'all',
    width: 64,
    seed: 0,
    status: 'completed',
    final: { step: 100, trainLoss: 0.01, testLoss: 0.02, testAccuracy: null },
    rmseToLimit: null,
    limit: null,
    predictionsFile: null,
    seconds: 1,
    info: {},
    ...partial,
  };
}

describe('host formatting', () => {
  test('the outcome lens says what happened and how long ago, as the issue words it', () => {
    // A run that started 4 min ago and took 60 s ended 3 min ago.
    assert.equal(runOutcomeText('completed', ago(240), 60, now), 'completed 3 min ago: open results');
    assert.equal(runOutcomeText('failed', ago(30), 5, now), 'failed 25 s ago: open results');
    assert.equal(runOutcomeText('interrupted', ago(7200), null, now), 'interrupted 2 h ago: open results');
    assert.equal(runOutcomeText('cancelled', ago(2 * 86400), 0, now), 'cancelled 2 days ago: open results');
  });

  test('relative times round down and never go negative', () => {
    assert.equal(formatAgo(ago(3), now), 'just now');
    assert.equal(formatAgo(new Date(now.getTime() + 5000), now), 'just now');
    assert.equal(formatAgo(ago(59), now), '59 s ago');
    assert.equal(formatAgo(ago(3599), now), '59 min ago');
    assert.equal(formatAgo(ago(86400 + 10), now), 'yesterday');
  });

  test('figures keep three significant digits and switch to exponents for tiny losses', () => {
    assert.equal(formatFigure(0.012345), '0.0123');
    assert.equal(formatFigure(1.23456), '1.23');
    assert.equal(formatFigure(0.0000123), '1.23e-5');
    assert.equal(formatFigure(Number.NaN), 'n/a');
    assert.equal(formatDuration(65), '1 min 05 s');
    assert.equal(formatDuration(3.21), '3.2 s');
  });

  test('durations are rounded to the second before they are split into minutes and hours', () => {
    assert.equal(formatDuration(42.4), '42 s');
    assert.equal(formatDuration(59.6), '1 min 00 s');
    assert.equal(formatDuration(119.6), '2 min 00 s');
    assert.equal(formatDuration(3599.6), '1 h 00 min');
    assert.equal(formatDuration(2 * 3600 + 5 * 60 + 59), '2 h 05 min');
    assert.equal(formatDuration(Number.NaN), '?');
    assert.equal(formatDuration(-1), '?');
  });

  test('an infinite model shows its figures without a width', () => {
    const text = modelFiguresText([entry({ id: 'ntk', model: 'ntk', kind: 'infinite', width: null, seed: null, final: { step: 50, trainLoss: 0.1, testLoss: 0.25, testAccuracy: 0.912 } })]);
    assert.equal(text, 'test loss 0.25, acc 91.2%');
  });

  test('a sweep shows one group per width, seeds averaged, widest last, at most three', () => {
    const entries = [16, 64, 256, 1024].flatMap((width) =>
      [0, 1].map((seed) => entry({ id: `sgd/w${width}/s${seed}`, model: 'sgd', width, seed, final: { step: 10, trainLoss: 0, testLoss: 1 / width + seed / width, testAccuracy: null } })),
    );
    const text = modelFiguresText(entries)!;
    // Mean over seeds 0 and 1 of (1 + seed)/width = 1.5/width: 0.0234375, 0.005859375, 0.00146484375.
    assert.equal(text, '1 more width · w64: test loss 0.0234 (2 seeds) · w256: test loss 0.00586 (2 seeds) · w1024: test loss 0.00146 (2 seeds)');
  });

  test('a model with no logged point says why', () => {
    assert.equal(modelFiguresText([entry({ id: 'a', model: 'a', status: 'failed', final: null, error: 'out of memory' })]), 'failed: out of memory');
    assert.equal(modelFiguresText([entry({ id: 'a', model: 'a', status: 'cancelled', final: null })]), 'cancelled before its first logged step');
  });

  test('progress shows percent, job and an ETA from the rate so far', () => {
    // 100 of 400 steps in 10 s: 300 steps left at 10 steps/s = 30 s.
    assert.equal(progressText({ doneSteps: 100, totalSteps: 400, jobId: 'sgd/w64/s0', elapsedSeconds: 10 }), '25% · sgd/w64/s0 · 30 s left');
    assert.equal(progressText({ doneSteps: 0, totalSteps: 400, jobId: null, elapsedSeconds: 1 }), '0%');
    // With the engine's cost-weighted work: the percentage and the ETA follow the work, not the steps.
    assert.equal(progressText({ doneSteps: 300, totalSteps: 400, jobId: 'sgd/w512/s0', elapsedSeconds: 10, workFraction: 0.3, remainingSeconds: 48 }), '30% · sgd/w512/s0 · 48 s left');
    assert.equal(progressText({ doneSteps: 1, totalSteps: 400, jobId: null, elapsedSeconds: 1, workFraction: 0, remainingSeconds: null }), '0%', 'no ETA before there is a rate');
  });
});
