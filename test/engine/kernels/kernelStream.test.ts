/**
 * Tiled and streamed kernels: streamKernels' tiles give computeKernels' numbers bit for bit whatever
 * the tile size, and `iwl kernel` streams them to .npy files that equal the in-memory kernels, says
 * what it will cost before it starts, refuses what the disk cannot hold, keeps memory at one tile
 * for n = 12,000, and does all of it on the webgpu backend too (software adapter here).
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useBackend } from '../../../engine/backend';
import { Activation, Layer, Network } from '../../../engine/experiment/experimentTypes';
import { computeKernels, streamKernels } from '../../../engine/kernels/analytic';
import { Matrix, matrix } from '../../../engine/util/matrix';
import { readNpy, writeNpy } from '../../../engine/util/npy';
import { Rng } from '../../../engine/util/rng';
import { repoRoot, runIwl, tempDir } from '../../helpers';

const dense = (wStd: number, bStd: number): Layer => ({ kind: 'dense', width: 64, wStd, bStd });
const act = (activation: Activation): Layer => ({ kind: 'activation', activation });
const net = (...layers: Layer[]): Network => ({ parametrization: 'ntk', layers });
const relu3 = net(dense(1.5, 0.1), act({ kind: 'relu' }), dense(1.5, 0.1), act({ kind: 'relu' }), dense(1.5, 0.1), act({ kind: 'relu' }), dense(1.5, 0.1));
const mixed = net(dense(1.5, 0.1), act({ kind: 'relu' }), dense(1.2, 0.1), act({ kind: 'tanh' }), dense(1, 0.05));

function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const rng = new Rng(seed);
  return matrix(rows, cols, Float64Array.from({ length: rows * cols }, () => rng.normal()));
}

function assertBitwise(got: Float64Array, want: Float64Array, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) assert.fail(`${what}[${i}]: ${got[i]} vs ${want[i]}`);
}

/** The kernel put together from streamKernels' tiles alone (the mirror written out here). */
async function assembled(network: Network, x1: Matrix, x2: Matrix | null, tileRows: number): Promise<{ nngp: Float64Array; ntk: Float64Array; tiles: number }> {
  const n1 = x1.rows;
  const n2 = x2 ? x2.rows : n1;
  const nngp = new Float64Array(n1 * n2).fill(NaN);
  const ntk = new Float64Array(n1 * n2).fill(NaN);
  let tiles = 0;
  let nextRow = 0;
  await streamKernels(network, x1, x2, { tileRows }, (t) => {
    tiles++;
    assert.equal(t.r0, nextRow, 'tiles come in row order');
    nextRow += t.nr;
    for (let r = 0; r < t.nr; r++) {
      for (let s = x2 ? 0 : r; s < t.nc; s++) {
        const i = t.r0 + r;
        const j = t.c0 + s;
        nngp[i * n2 + j] = t.nngp[r * t.nc + s];
        ntk[i * n2 + j] = t.ntk[r * t.nc + s];
        if (!x2) {
          nngp[j * n2 + i] = t.nngp[r * t.nc + s];
          ntk[j * n2 + i] = t.ntk[r * t.nc + s];
        }
      }
    }
  });
  return { nngp, ntk, tiles };
}

describe('streamKernels', () => {
  before(async () => {
    await useBackend('wasm');
  });

  for (const [name, network] of [['3-layer relu (fused recursion)', relu3], ['relu -> tanh (layered recursion)', mixed]] as const) {
    test(`${name}: tiles of 1, 7 and all rows give the untiled kernels bit for bit`, async () => {
      const x1 = randomMatrix(29, 12, 1);
      const x2 = randomMatrix(11, 12, 2);
      for (const x of [null, x2]) {
        const whole = await computeKernels(network, x1, x, { tileRows: 1000 });
        for (const tileRows of [1, 7, 1000]) {
          const got = await assembled(network, x1, x, tileRows);
          assert.equal(got.tiles, Math.ceil(29 / tileRows));
          assertBitwise(got.ntk, whole.ntk, `NTK, tiles of ${tileRows}, x2 ${x ? 'given' : 'null'}`);
          assertBitwise(got.nngp, whole.nngp, `NNGP, tiles of ${tileRows}, x2 ${x ? 'given' : 'null'}`);
          const tiled = await computeKernels(network, x1, x, { tileRows });
          assertBitwise(tiled.ntk, whole.ntk, `computeKernels NTK, tiles of ${tileRows}`);
        }
      }
    });
  }

  test('the fused relu recursion equals the layer-by-layer one bit for bit', async () => {
    // layers: true takes the layer-by-layer path (it keeps every K and Kd); the NTK must not change.
    const x = randomMatrix(40, 9, 3);
    const fused = await computeKernels(relu3, x, null);
    const layered = await computeKernels(relu3, x, null, { layers: true });
    assertBitwise(fused.ntk, layered.ntk, 'NTK');
    assertBitwise(fused.nngp, layered.nngp, 'NNGP');
  });
});

const RELU3_YAML = `network:
  layers:
    - dense: { width: 512, wStd: 1.5, bStd: 0.1 }
    - relu
    - dense: { width: 512, wStd: 1.5, bStd: 0.1 }
    - relu
    - dense: { width: 512, wStd: 1.5, bStd: 0.1 }
    - relu
    - dense: { wStd: 1.5, bStd: 0.1 }
`;

/** float32 Gram on the two backends (analytic.ts), relative to the largest entry. */
const BACKEND_TOLERANCE = 1e-6;

describe('iwl kernel, streamed', () => {
  before(async () => {
    await useBackend('wasm');
  });

  test('the streamed files equal the in-memory kernels (float64 bit for bit, float32 rounded), the estimate first', async () => {
    const dir = tempDir();
    const x = randomMatrix(53, 6, 4);
    writeNpy(join(dir, 'x.npy'), x.data as Float64Array, [53, 6]);
    writeFileSync(join(dir, 'spec.yaml'), `${RELU3_YAML}x1: x.npy\n`);
    const want = await computeKernels(relu3, x, null);
    for (const tile of ['5', '53']) {
      const run = runIwl(['kernel', 'spec.yaml', '--out', `o${tile}`, '--tile', tile], { cwd: dir });
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stderr.split('\n')[0], /^iwl kernel: 53 x 53 kernels of 3 hidden layers on 6-dimensional inputs; writes \d+ MiB \(float64\), about \d+ MiB of memory, roughly [\d.]+ s on wasm( with \d+ workers)?$/);
      const ntk = readNpy(join(dir, `o${tile}`, 'ntk.npy'));
      assert.equal(ntk.descr, '<f8');
      assertBitwise(ntk.data as Float64Array, want.ntk, `ntk.npy, tiles of ${tile}`);
      assertBitwise(readNpy(join(dir, `o${tile}`, 'nngp.npy')).data as Float64Array, want.nngp, `nngp.npy, tiles of ${tile}`);
    }
    const f32 = runIwl(['kernel', 'spec.yaml', '--out', 'f', '--tile', '5', '--dtype', 'float32'], { cwd: dir });
    assert.equal(f32.status, 0, f32.stderr);
    assert.match(f32.stdout, /\(float32, 53 x 53\)/);
    const ntk = readNpy(join(dir, 'f', 'ntk.npy'));
    assert.equal(ntk.descr, '<f4');
    assertBitwise(Float64Array.from(ntk.data), Float64Array.from(Float32Array.from(want.ntk)), 'float32 ntk.npy');
    const bad = runIwl(['kernel', 'spec.yaml', '--out', 'g', '--dtype', 'float16'], { cwd: dir });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--dtype must be float32 or float64, got 'float16'/);
  });

  test('kernels the disk cannot hold fail before starting, with a clear message and no files', () => {
    const dir = tempDir();
    // 1,000,000 points: two float64 kernels of 8e12 bytes each, far beyond any test machine's disk.
    writeNpy(join(dir, 'x.npy'), new Float32Array(1_000_000).fill(0.5), [1_000_000, 1]);
    writeFileSync(join(dir, 'spec.yaml'), `${RELU3_YAML}x1: x.npy\n`);
    const run = runIwl(['kernel', 'spec.yaml', '--out', 'out'], { cwd: dir });
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /^iwl kernel: error DISK_FULL: nngp\.npy and ntk\.npy \(float64, 1000000 x 1000000\) need [\d.]+ GiB on disk; .* has [\d.]+ (GiB|MiB) free/m);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
    assert.deepEqual(readdirSync(join(dir, 'out')), []);
  });

  test('n = 12,000 streams with memory far below the kernels it writes', () => {
    const dir = tempDir();
    const n = 12_000;
    const x = randomMatrix(n, 4, 5);
    writeNpy(join(dir, 'x.npy'), Float32Array.from(x.data), [n, 4]);
    writeFileSync(join(dir, 'spec.yaml'), `network:\n  layers:\n    - dense: { width: 8, wStd: 1.5, bStd: 0.1 }\n    - relu\n    - dense: { wStd: 1.2, bStd: 0.05 }\nx1: x.npy\n`);
    // The CLI in a child that reports its own peak resident memory at exit.
    const script = `require(${JSON.stringify(join(repoRoot, 'dist', 'iwl.js'))}).main(['kernel', 'spec.yaml', '--out', 'out', '--dtype', 'float32', '--quiet'], { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() }).then((code) => { process.stderr.write('maxRSS ' + process.resourceUsage().maxRSS + '\\n'); process.exitCode = code; });`;
    const run = spawnSync(process.execPath, ['-e', script], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
    assert.equal(run.status, 0, run.stderr);
    const maxRssBytes = Number(/maxRSS (\d+)/.exec(run.stderr)![1]) * 1024;
    // In memory the two float64 kernels alone would take 2 n^2 8 bytes = 2.3 GB; streamed, the
    // process holds tiles, inputs, tfjs and the wasm heap: well under a quarter of that.
    const kernelBytes = 2 * n * n * 8;
    assert.ok(maxRssBytes < kernelBytes / 4, `peak RSS ${(maxRssBytes / 1e6).toFixed(0)} MB vs ${(kernelBytes / 1e6).toFixed(0)} MB of kernels`);
    // The file's first and last rows agree with the same rows computed in memory.
    const path = join(dir, 'out', 'ntk.npy');
    const fd = openSync(path, 'r');
    try {
      const head = Buffer.alloc(10);
      readSync(fd, new Uint8Array(head.buffer, head.byteOffset, 10), 0, 10, 0);
      const offset = 10 + head.readUInt16LE(8);
      const rowOf = (i: number) => {
        const b = Buffer.alloc(n * 4);
        readSync(fd, new Uint8Array(b.buffer, b.byteOffset, n * 4), 0, n * 4, offset + i * n * 4);
        return new Float32Array(b.buffer, b.byteOffset, n);
      };
      const first = rowOf(0);
      const last = rowOf(n - 1);
      assert.equal(first[n - 1], last[0], 'symmetric: K[0, n-1] = K[n-1, 0]');
      assert.ok(first.every((v) => Number.isFinite(v) && v !== 0), 'row 0 fully written');
      assert.ok(last.every((v) => Number.isFinite(v) && v !== 0), 'row n-1 fully written');
    } finally {
      closeSync(fd);
    }
  });

  test('webgpu (software adapter here) streams the same kernels as wasm', (t) => {
    const dir = tempDir();
    const x = randomMatrix(37, 5, 6);
    writeNpy(join(dir, 'x.npy'), x.data as Float64Array, [37, 5]);
    writeFileSync(join(dir, 'spec.yaml'), `${RELU3_YAML}x1: x.npy\n`);
    const run = runIwl(['kernel', 'spec.yaml', '--out', 'gpu', '--backend', 'webgpu', '--tile', '6', '--dtype', 'float32'], { cwd: dir });
    if (run.status !== 0 && /BACKEND_UNAVAILABLE/.test(run.stderr) && process.env.CI !== 'true') {
      // Locally without Mesa's EGL/GLES libraries webgpu cannot start; CI installs them, so there it must run.
      t.skip(`webgpu is unavailable here: ${run.stderr.trim()}`);
      return;
    }
    assert.equal(run.status, 0, run.stderr);
    const wasm = runIwl(['kernel', 'spec.yaml', '--out', 'cpu', '--tile', '6', '--dtype', 'float32', '--quiet'], { cwd: dir });
    assert.equal(wasm.status, 0, wasm.stderr);
    const a = readNpy(join(dir, 'gpu', 'ntk.npy')).data;
    const b = readNpy(join(dir, 'cpu', 'ntk.npy')).data;
    const scale = Math.max(...Array.from(b, Math.abs));
    for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= BACKEND_TOLERANCE * scale, `ntk[${i}]: ${a[i]} vs ${b[i]}`);
    for (let i = 0; i < 37; i++) for (let j = 0; j < 37; j++) assert.equal(a[i * 37 + j], a[j * 37 + i]);
    assert.ok(existsSync(join(dir, 'gpu', 'info.json')));
  });
});
