/**
 * Kernel tiles in parallel (engine/run/kernelPool.ts): `iwl kernel --workers N` writes the files of
 * --workers 1 byte for byte, the run's kernels are those of one process bit for bit, the memory
 * estimate counts every worker, Ctrl-C ends every worker within a second and leaves no kernel file,
 * and a killed worker fails the computation with its reason instead of hanging it.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useBackend } from '../../../engine/backend';
import type { Activation, Experiment, Layer, Network } from '../../../engine/experiment/experimentTypes';
import type { Dataset } from '../../../engine/data/dataset';
import { kernelMemoryBytes } from '../../../engine/kernels/analytic';
import { streamKernelsParallel } from '../../../engine/run/kernelPool';
import { computeRunKernels } from '../../../engine/run/runExperiment';
import { matrix, type Matrix } from '../../../engine/util/matrix';
import { writeNpy } from '../../../engine/util/npy';
import { Rng } from '../../../engine/util/rng';
import { isProcessAlive, repoRoot, runIwl, tempDir } from '../../helpers';

const dense = (wStd: number, bStd: number): Layer => ({ kind: 'dense', width: 64, wStd, bStd });
const act = (activation: Activation): Layer => ({ kind: 'activation', activation });
const relu2: Network = { parametrization: 'ntk', layers: [dense(1.5, 0.1), act({ kind: 'relu' }), dense(1.5, 0.1), act({ kind: 'relu' }), dense(1.2, 0.05)] };

/** relu then tanh (a Hermite-series dual): both recursion paths of analytic.ts. */
const SPEC = `network: { parametrization: ntk, layers: [{ dense: { width: 64, wStd: 1.5, bStd: 0.1 } }, relu, { dense: { width: 64, wStd: 1.2, bStd: 0.1 } }, tanh, { dense: { wStd: 1.0, bStd: 0.05 } }] }\n`;

function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const rng = new Rng(seed);
  return matrix(rows, cols, Float64Array.from({ length: rows * cols }, () => rng.normal()));
}

function writePoints(dir: string, name: string, m: Matrix): void {
  writeNpy(join(dir, name), Float64Array.from(m.data), [m.rows, m.cols]);
}

function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function childPids(pid: number): number[] {
  const ps = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
  return ps.stdout.split('\n').map((l) => Number(l.trim())).filter((p) => p > 0);
}

describe('iwl kernel --workers', () => {
  test('3 workers write the files of 1 worker byte for byte (symmetric in float64, x1 x x2 in float32, 17 tiles each)', () => {
    const dir = tempDir('iwl-kernel-pool-');
    writePoints(dir, 'x1.npy', randomMatrix(150, 12, 1));
    writePoints(dir, 'x2.npy', randomMatrix(70, 12, 2));
    writeFileSync(join(dir, 'sym.yaml'), `${SPEC}x1: x1.npy\n`);
    writeFileSync(join(dir, 'cross.yaml'), `${SPEC}x1: x1.npy\nx2: x2.npy\n`);
    for (const [spec, dtype] of [['sym.yaml', 'float64'], ['cross.yaml', 'float32']]) {
      {
        const outs = [1, 3].map((workers) => {
          const out = `out-${spec}-${dtype}-${workers}`;
          const run = runIwl(['kernel', spec, '--out', out, '--tile', '9', '--dtype', dtype, '--workers', String(workers)], { cwd: dir });
          assert.equal(run.status, 0, run.stderr);
          if (workers > 1) assert.match(run.stderr, /with 3 workers/);
          const info = JSON.parse(readFileSync(join(dir, out, 'info.json'), 'utf8'));
          assert.equal(info.workers, workers);
          assert.equal(info.tilesPerWorker.reduce((a: number, b: number) => a + b, 0), 17, '150 rows in tiles of 9');
          assert.equal(info.tilesPerWorker.length, workers, 'with 3 workers, 3 worker processes computed the tiles');
          return join(dir, out);
        });
        for (const file of ['nngp.npy', 'ntk.npy']) {
          assert.ok(sameBytes(readFileSync(join(outs[1], file)), readFileSync(join(outs[0], file))), `${spec} ${dtype} ${file} differs between 1 and 3 workers`);
        }
      }
    }
  });

  test('the memory estimate grows with every worker: each holds its own inputs and tile', () => {
    const bytes = (workers: number) => kernelMemoryBytes(4000, 4000, 784, { streamed: true, workers });
    assert.ok(bytes(1) < bytes(2) && bytes(2) < bytes(3) && bytes(3) < bytes(4), [1, 2, 3, 4].map(bytes).join(' < '));
    const perWorker = bytes(3) - bytes(2);
    assert.equal(bytes(4) - bytes(3), perWorker, 'the same bytes per added worker');
    // At least its own copy of the inputs (float64 + float32 + the backend's float32) and of a tile's work arrays.
    assert.ok(perWorker >= 8000 * 784 * 16 + kernelMemoryBytes(4000, 4000, 0, { streamed: true }), `${perWorker} bytes per worker`);
    assert.ok(bytes(2) >= 2 * perWorker, 'two workers hold two lanes');
    const dir = tempDir('iwl-kernel-pool-memory-');
    writePoints(dir, 'x1.npy', randomMatrix(600, 50, 3));
    writeFileSync(join(dir, 'spec.yaml'), `network:\n  layers:\n    - dense: { width: 64, wStd: 1.5, bStd: 0.1 }\n    - relu\n    - dense: { wStd: 1.0, bStd: 0.05 }\nx1: x1.npy\n`);
    const mib = (workers: number) => {
      const run = runIwl(['kernel', 'spec.yaml', '--out', `out${workers}`, '--tile', '50', '--workers', String(workers)], { cwd: dir });
      assert.equal(run.status, 0, run.stderr);
      return Number(/about (\d+) MiB of memory/.exec(run.stderr)![1]);
    };
    assert.ok(mib(4) > mib(1), 'the printed estimate counts the workers');
    const bad = runIwl(['kernel', 'spec.yaml', '--out', 'bad', '--workers', '0'], { cwd: dir });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--workers must be a whole number of at least 1, got '0'/);
  });

  test('Ctrl-C mid-kernel ends iwl and every worker within a second; no kernel file is left', async () => {
    const dir = tempDir('iwl-kernel-pool-cancel-');
    writePoints(dir, 'x1.npy', randomMatrix(5000, 30, 4));
    writeFileSync(join(dir, 'spec.yaml'), `${SPEC}x1: x1.npy\n`);
    const child = spawn(process.execPath, [join(repoRoot, 'dist', 'iwl.js'), 'kernel', 'spec.yaml', '--out', 'out', '--tile', '20', '--workers', '3'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Mid-kernel: the files exist and both worker processes are up.
    let workers: number[] = [];
    for (let waited = 0; workers.length < 2 || !existsSync(join(dir, 'out', 'ntk.npy')); waited += 50) {
      assert.ok(waited < 30_000, `iwl kernel did not start its workers: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
      workers = childPids(child.pid!);
    }
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(child.exitCode, null, `the kernel finished before Ctrl-C: ${stderr}`);
    const sent = Date.now();
    child.kill('SIGINT');
    const code = await exited;
    const took = Date.now() - sent;
    assert.equal(code, 130, stderr);
    assert.ok(took < 1000, `iwl kernel ended ${took} ms after Ctrl-C`);
    assert.match(stderr, /interrupted; nothing written/);
    for (const pid of workers) assert.equal(isProcessAlive(pid), false, `worker ${pid} is gone`);
    assert.equal(existsSync(join(dir, 'out', 'nngp.npy')), false);
    assert.equal(existsSync(join(dir, 'out', 'ntk.npy')), false);
    assert.equal(existsSync(join(dir, 'out', 'info.json')), false);
  });
});

describe('streamKernelsParallel', () => {
  before(async () => {
    await useBackend('wasm');
  });

  test('a worker killed mid-kernel fails the computation with its pid, the reason and its stderr tail', async () => {
    const x = randomMatrix(3000, 40, 5);
    const pids: number[] = [];
    let tiles = 0;
    const started = Date.now();
    await assert.rejects(
      streamKernelsParallel(relu2, x, null, { workers: 2, backend: 'wasm', tileRows: 10, onWorker: (pid) => pids.push(pid) }, () => {
        tiles++;
        if (tiles === 30) process.kill(pids[0], 'SIGKILL');
      }),
      (error: Error) => {
        assert.match(error.message, new RegExp(`worker process ${pids[0]} was killed by SIGKILL while (starting|computing kernel tiles)`));
        return true;
      },
    );
    assert.ok(tiles < 300, `the computation stopped (${tiles} of 300 tiles)`);
    assert.ok(Date.now() - started < 30_000, 'it did not hang');
    assert.equal(isProcessAlive(pids[0]), false);
  });

  test('a run\'s kernels over 2 workers are those of one process bit for bit', async () => {
    const x = randomMatrix(90, 7, 6);
    const xt = randomMatrix(31, 7, 7);
    const dataset = { xTrain: x, xTest: xt, inputDim: 7 } as unknown as Dataset;
    const experiment = { network: relu2 } as unknown as Experiment;
    const logs: string[] = [];
    const one = await computeRunKernels(experiment, dataset);
    const two = await computeRunKernels(experiment, dataset, undefined, (m) => logs.push(m), { workers: 2, backend: 'wasm', tileRows: 8 });
    assert.match(logs.join('\n'), /analytic kernels over 121 points in [\d.]+ s on 2 workers/);
    assert.deepEqual([two.n, two.nTest], [90, 31]);
    assert.ok(sameBytes(two.ntk, one.ntk), 'NTK differs');
    assert.ok(sameBytes(two.nngp, one.nngp), 'NNGP differs');
  });
});
