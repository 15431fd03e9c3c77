/**
 * The float32 Cholesky on worker-thread lanes (engine/linalg/choleskyLanes.ts, dist/choleskyLane.js
 * built by npm run build): the factor is byte for byte the one-lane factor over several row blocks,
 * a lane that fails or dies fails the factorization with its reason (no hang), and cancelling ends
 * every lane.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Worker } from 'node:worker_threads';
import { useBackend } from '../../../engine/backend';
import { choleskyFloat32, lanesFor, ROW_BLOCK, FLOAT32_BLOCK } from '../../../engine/linalg/choleskyFloat32';
import { CancelledError, IwlError } from '../../../engine/util/iwlError';
import { Rng } from '../../../engine/util/rng';
import { choleskyLaneBytes } from '../../../engine/experiment/memory';

/** An SPD matrix: a Gram matrix of random 8-d points through an RBF, plus 0.05 I. */
function spd(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const d = 8;
  const x = Float64Array.from({ length: n * d }, () => rng.normal());
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let p = 0; p < d; p++) s += (x[i * d + p] - x[j * d + p]) ** 2;
      a[i * n + j] = a[j * n + i] = Math.exp(-s / (2 * d)) + (i === j ? 0.05 : 0);
    }
  }
  return a;
}

/** Whether two float32 arrays hold the same bytes (NaN payloads and signed zeros included). */
function sameBytes(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const u = new Uint32Array(a.buffer, a.byteOffset, a.length), v = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < u.length; i++) if (u[i] !== v[i]) return false;
  return true;
}

/** Every lane's exit, to check that none outlives the factorization. */
function tracked(): { onLane(w: Worker): void; lanes: Worker[]; exited(): Promise<void> } {
  const lanes: Worker[] = [];
  const exits: Promise<void>[] = [];
  return {
    lanes,
    onLane(w) {
      lanes.push(w);
      exits.push(new Promise((resolve) => w.once('exit', () => resolve())));
    },
    exited: () => Promise.all(exits).then(() => undefined),
  };
}

describe('float32 Cholesky on lanes (wasm)', () => {
  before(async () => { await useBackend('wasm'); });

  // n = 2700: the first trailing update has ceil(2444 / 1024) = 3 row blocks, the panel 3 chunks; a ragged last block column.
  const n = 2700;

  test('2 and 3 lanes give the one-lane factor byte for byte, and every lane computes tasks', async () => {
    assert.ok(Math.ceil((n - FLOAT32_BLOCK) / ROW_BLOCK) >= 3, 'several row blocks per update');
    const a = spd(n, 5);
    const one = await choleskyFloat32(a, n, 1e-4);
    assert.ok(!(one.buffer instanceof SharedArrayBuffer), 'one lane stays in this thread');
    for (const lanes of [2, 3]) {
      const t = tracked();
      const done = new Map<Worker, number>();
      const l = await choleskyFloat32(a, n, 1e-4, {
        lanes,
        onLane(w) {
          t.onLane(w);
          w.on('message', (m: { type: string }) => { if (m.type === 'done') done.set(w, (done.get(w) ?? 0) + 1); });
        },
      });
      assert.equal(t.lanes.length, lanes, `${lanes} lanes started`);
      assert.ok(l.buffer instanceof SharedArrayBuffer);
      assert.ok(sameBytes(l, one), `the ${lanes}-lane factor differs from the one-lane factor`);
      for (const w of t.lanes) assert.ok((done.get(w) ?? 0) > 0, 'each lane computed at least one task');
      await t.exited();
    }
    // And it is a factor: L L^T reproduces A + shift I to float32 accuracy on a few entries.
    for (const [i, j] of [[0, 0], [n - 1, 0], [n - 1, n - 1], [1500, 1400]]) {
      let s = 0;
      for (let p = 0; p <= j; p++) s += one[i * n + p] * one[j * n + p];
      const want = a[i * n + j] + (i === j ? 1e-4 : 0);
      assert.ok(Math.abs(s - want) < 1e-3, `(L L^T)[${i}, ${j}] = ${s}, A = ${want}`);
    }
  });

  test('a lane that reports an error fails the factorization with its reason, and every lane ends', async () => {
    const t = tracked();
    const a = spd(1600, 6);
    await assert.rejects(
      choleskyFloat32(a, 1600, 0, {
        lanes: 2,
        onLane(w) {
          t.onLane(w);
          // A task the lane does not know: it answers 'failed' with the reason.
          if (t.lanes.length === 2) w.postMessage({ type: 'bogus' });
        },
      }),
      (error: unknown) => error instanceof IwlError && /float32 Cholesky lane 2 of 2 failed while starting its backend: unknown task "bogus"/.test(error.message),
    );
    await t.exited();
  });

  test('a lane that dies mid-factorization fails it with the lane and its task named (no hang)', async () => {
    const t = tracked();
    const a = spd(1600, 7);
    const started = Date.now();
    await assert.rejects(
      choleskyFloat32(a, 1600, 0, {
        lanes: 2,
        onLane(w) {
          t.onLane(w);
          let tasks = 0;
          if (t.lanes.length === 1) w.on('message', (m: { type: string }) => { if (m.type === 'done' && ++tasks === 2) void w.terminate(); });
        },
      }),
      (error: unknown) => error instanceof IwlError && /float32 Cholesky lane 1 of 2 exited with code 1 while (idle|computing panel rows|updating trailing rows)/.test(error.message),
    );
    assert.ok(Date.now() - started < 60_000);
    await t.exited();
  });

  test('cancelling ends every lane at once', async () => {
    const t = tracked();
    const controller = new AbortController();
    const a = spd(2700, 8);
    let abortedAt = 0;
    await assert.rejects(
      choleskyFloat32(a, 2700, 0, {
        lanes: 2,
        signal: controller.signal,
        onLane(w) {
          t.onLane(w);
          w.on('message', (m: { type: string }) => {
            if (m.type === 'done' && !abortedAt) { abortedAt = Date.now(); controller.abort(); }
          });
        },
      }),
      (error: unknown) => error instanceof CancelledError,
    );
    await t.exited();
    assert.ok(Date.now() - abortedAt < 5000, `lanes ended ${Date.now() - abortedAt} ms after the abort`);
  });

  test('lanesFor: one lane on webgpu and tensorflow, no more lanes than row blocks; each lane counted in memory', () => {
    assert.equal(lanesFor(4, 'webgpu', 8000), 1);
    assert.equal(lanesFor(4, 'tensorflow', 8000), 1);
    assert.equal(lanesFor(4, 'wasm', 8000), 4);
    assert.equal(lanesFor(4, 'cpu', 1200), 1, '1200 - 256 rows: one row block');
    assert.equal(lanesFor(4, 'wasm', 2700), 3);
    assert.equal(lanesFor(0, 'wasm', 8000), 1);
    // n = 8000: 48 MiB of isolate plus 2 x 4 bytes x (256 x 8000 + 1024 x 256 + 1024 x 8000) = 128 MiB.
    assert.equal(Math.round(choleskyLaneBytes(8000) / 2 ** 20), 128);
  });
});
