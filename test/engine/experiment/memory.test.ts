/** Memory estimates: the formulas in engine/experiment/memory.ts on hand-computed cases. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { estimateMemory, formatBytes } from '../../../engine/experiment/memory';
import { validateIn, show } from './experimentHelpers';

const text = `data: { source: synthetic, inputDim: 10, train: 1000, test: 500, outputs: 2 }
network: { layers: [dense: { width: 100 }, relu, dense: { width: 100 }, relu, dense] }
models:
  ntk: { kind: infinite }
  adam: { kind: infinite, method: adam, samples: { backward: 8, forward: 4 } }
  f: { kind: finite, widths: [50, 100], optimizer: adam, batchSize: 100 }
`;

describe('memory estimates', () => {
  test('match the documented formulas', () => {
    const { experiment, diagnostics } = validateIn(text);
    assert.ok(experiment, show(diagnostics));
    const [ntk, adam, f] = estimateMemory(experiment, 10);
    const m = 1500;
    const data = 8 * m * 10;
    assert.equal(ntk.bytes, 8 * 2 * m * m + 8 * 2 * 1000 * 1000 + 8 * 4 * m * 2 + data);
    assert.match(ntk.breakdown[0].label, /kernel matrices/);
    // L = 2, R = 8, C = 4, k = 2, d = 10: setup (3L + 3 + 3(L - 1)) M^2, samples L R k M + 2 L C M,
    // Adam state 3 ((L - 1) R C + R d), predictions and state 4 M k.
    assert.equal(adam.bytes, 8 * 12 * m * m + 8 * (2 * 8 * 2 * m + 2 * 2 * 4 * m) + 8 * 3 * (1 * 8 * 4 + 8 * 10) + 8 * 4 * m * 2 + data);
    const params = 10 * 100 + 100 * 100 + 100 * 2 + 2 * 100 + 2;
    assert.equal(f.bytes, 4 * params * 4 + 4 * 4 * 100 * 100 * 2 + 4 * 2 * m * 100 + data, 'largest width, 4 copies for adam');
    for (const e of [ntk, adam, f]) assert.equal(e.breakdown.reduce((s, p) => s + p.bytes, 0), e.bytes);
  });

  test('a model over the budget is flagged with its size; a bigger budget lets it pass', () => {
    const small = validateIn(text, { host: { memoryBudgetBytes: 20 * 1024 ** 2 } });
    const flagged = small.diagnostics.filter((d) => d.code === 'memory-over-budget').map((d) => d.message.split(':')[0]);
    assert.deepEqual(flagged, ['models.ntk', 'models.adam'], show(small.diagnostics));
    assert.match(small.diagnostics.find((d) => d.code === 'memory-over-budget')!.message, /needs about 49\.\d MiB, over the memory budget of 20\.0 MiB/);
    const big = validateIn(text, { host: { memoryBudgetBytes: 1024 ** 3 } });
    assert.deepEqual(big.diagnostics, []);
  });

  test('formatBytes', () => {
    assert.equal(formatBytes(512), '512 bytes');
    assert.equal(formatBytes(1536), '1.5 KiB');
    assert.equal(formatBytes(5 * 1024 ** 3), '5.0 GiB');
  });
});
