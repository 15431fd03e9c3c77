/**
 * Speed of the float64 linear algebra (engine/linalg) at kernel-method sizes.
 *
 *   npm run build && node dist-test/bench/linalgBench.js [--sizes 500,1000,2000] [--chol-sizes 500,1000,2000,4000]
 *                                                        [--repeats 2] [--numpy]
 *
 * Prints seconds (best of --repeats) and GFLOP/s counted with the conventional flop counts:
 * Cholesky n^3/3, SPD solve n^3/3 + 2 n^2 k, matmul 2 n^3, eigh with vectors 9 n^3 (Golub & Van Loan's
 * count for Householder tridiagonalization plus symmetric QR with vector accumulation). With --numpy it
 * also times numpy.linalg (LAPACK) on the same sizes, when python3 can import numpy.
 *
 * The mixed-precision solve (float32 Cholesky on the tfjs backend + float64 CG, engine/linalg/mixedSolve.ts)
 * runs at --mixed-sizes (default 2000,4000,8000; --backend picks the tfjs backend, default wasm; the float32
 * factorization alone is timed per --blocks width, default 256, and per --lanes count, default 1: lanes
 * are worker threads sharing the matrix, engine/linalg/choleskyLanes.ts; each time of --repeats is
 * printed, and every lane count's factor is checked byte for byte against the first's; --chol32-only
 * stops there) against
 * numpy's float64 cholesky + two triangular solves of the same matrix and right-hand sides, with the ratio.
 */
import { spawnSync } from 'node:child_process';
import { Rng } from '../engine/util/rng';
import { cholesky, choleskyFloat32, choleskySolve, eighSymmetric, matmul, solveSpd, solveSpdMixed } from '../engine/linalg';
import { isBackendName, useBackend } from '../engine/backend';

interface Row { op: string; n: number; seconds: number; gflops: number; check: string }

function argList(name: string, fallback: number[]): number[] {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1].split(',').map(Number).filter((n) => n > 0) : fallback;
}

const sizes = argList('--sizes', [500, 1000, 2000]);
const cholSizes = argList('--chol-sizes', [500, 1000, 2000, 4000]);
const repeats = argList('--repeats', [2])[0];
const withNumpy = process.argv.includes('--numpy');
const mixedSizes = argList('--mixed-sizes', [2000, 4000, 8000]);
const blockSizes = argList('--blocks', [256]);
const laneCounts = argList('--lanes', [1]);
const cholOnly = process.argv.includes('--chol32-only');
const backendArg = process.argv.indexOf('--backend') >= 0 ? process.argv[process.argv.indexOf('--backend') + 1] : 'wasm';
const RHS = 10;

/** A kernel-like SPD test matrix: an RBF Gram matrix of random 10-d points plus 1e-3 * I. */
function kernelMatrix(n: number): Float64Array {
  const rng = new Rng(n);
  const d = 10;
  const x = new Float64Array(n * d);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let p = 0; p < d; p++) s += (x[i * d + p] - x[j * d + p]) ** 2;
      k[i * n + j] = k[j * n + i] = Math.exp(-s / (2 * d)) + (i === j ? 1e-3 : 0);
    }
  }
  return k;
}

function best<T>(fn: () => T): { seconds: number; value: T } {
  let seconds = Infinity;
  let value: T | undefined;
  for (let r = 0; r < Math.max(1, repeats); r++) {
    const t0 = performance.now();
    value = fn();
    seconds = Math.min(seconds, (performance.now() - t0) / 1000);
  }
  return { seconds, value: value as T };
}

function relResidual(a: Float64Array, x: Float64Array, b: Float64Array, n: number, k: number): number {
  const ax = matmul(a, x, n, n, k);
  let num = 0, den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (ax[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

const rows: Row[] = [];
const report = (row: Row): void => {
  rows.push(row);
  console.log(`${row.op.padEnd(10)} n=${String(row.n).padStart(5)}  ${row.seconds.toFixed(3).padStart(8)} s  ${row.gflops.toFixed(2).padStart(6)} GFLOP/s  ${row.check}`);
};

console.log(`engine/linalg benchmark (node ${process.version}, best of ${repeats})`);
for (const n of cholSizes) {
  const a = kernelMatrix(n);
  const { seconds, value: l } = best(() => cholesky(a, n));
  report({ op: 'cholesky', n, seconds, gflops: n ** 3 / 3 / seconds / 1e9, check: `L[n-1,n-1] = ${l[n * n - 1].toExponential(3)}` });
}
for (const n of sizes) {
  const a = kernelMatrix(n);
  const rng = new Rng(7);
  const b = new Float64Array(n * RHS);
  for (let i = 0; i < b.length; i++) b[i] = rng.normal();
  const solve = best(() => solveSpd(a, n, b, RHS));
  report({ op: 'solveSpd', n, seconds: solve.seconds, gflops: (n ** 3 / 3 + 2 * n * n * RHS) / solve.seconds / 1e9,
    check: `k=${RHS}, residual ${relResidual(a, solve.value.x, b, n, RHS).toExponential(1)}` });
  const l = solve.value.l;
  const back = best(() => choleskySolve(l, n, b, RHS));
  report({ op: 'cholSolve', n, seconds: back.seconds, gflops: (2 * n * n * RHS) / back.seconds / 1e9, check: `k=${RHS}, triangular solves only` });
  const mm = best(() => matmul(a, a, n, n, n));
  report({ op: 'matmul', n, seconds: mm.seconds, gflops: (2 * n ** 3) / mm.seconds / 1e9, check: 'n x n times n x n' });
  const eig = best(() => eighSymmetric(a, n));
  report({ op: 'eigh', n, seconds: eig.seconds, gflops: (9 * n ** 3) / eig.seconds / 1e9,
    check: `lambda in [${eig.value.values[0].toExponential(2)}, ${eig.value.values[n - 1].toExponential(2)}]` });
}

if (withNumpy) {
  const script = `
import time, numpy as np
for n in [${sizes.join(',')}]:
    rng = np.random.default_rng(n); x = rng.standard_normal((n, 10))
    d2 = ((x[:, None, :] - x[None, :, :]) ** 2).sum(-1); k = np.exp(-d2 / 20) + 1e-3 * np.eye(n)
    t = time.perf_counter(); np.linalg.cholesky(k); tc = time.perf_counter() - t
    t = time.perf_counter(); np.linalg.eigh(k); te = time.perf_counter() - t
    print(f"numpy      n={n:5d}  cholesky {tc:.3f} s ({n**3/3/tc/1e9:.2f} GFLOP/s)  eigh {te:.3f} s")
`;
  const out = spawnSync('python3', ['-c', script], { encoding: 'utf8' });
  console.log(out.status === 0 ? out.stdout.trimEnd() : `numpy comparison unavailable: ${out.stderr || out.error}`);
}

/** numpy float64 Cholesky + solve with the factor (two triangular solves) on the bench's RBF matrix; seconds per n. */
function numpyCholeskySolve(ns: number[]): Map<number, number> {
  const script = `
import sys, time, numpy as np
for n in [${ns.join(',')}]:
    rng = np.random.default_rng(n); x = rng.standard_normal((n, 10))
    sq = (x * x).sum(1); d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * x @ x.T, 0)
    k = np.exp(-d2 / 20) + 1e-3 * np.eye(n); b = rng.standard_normal((n, ${RHS}))
    best = 1e9
    for _ in range(2):
        t = time.perf_counter(); l = np.linalg.cholesky(k)
        try:
            from scipy.linalg import solve_triangular
            z = solve_triangular(l, b, lower=True); xs = solve_triangular(l.T, z, lower=False)
        except ImportError:
            z = np.linalg.solve(l, b); xs = np.linalg.solve(l.T, z)
        best = min(best, time.perf_counter() - t)
    print(n, best)
`;
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const out = spawnSync('python3', ['-c', script], { encoding: 'utf8', env });
  const times = new Map<number, number>();
  if (out.status !== 0) { console.log(`numpy comparison unavailable: ${out.stderr || out.error}`); return times; }
  for (const line of out.stdout.trim().split('\n')) { const [n, t] = line.split(' ').map(Number); times.set(n, t); }
  return times;
}

async function mixedBench(): Promise<void> {
  if (mixedSizes.length === 0) return;
  if (!isBackendName(backendArg)) throw new Error(`unknown backend ${backendArg}`);
  const info = await useBackend(backendArg);
  console.log(`mixed-precision solve on ${info.detail}`);
  const numpy = withNumpy ? numpyCholeskySolve(mixedSizes) : new Map<number, number>();
  for (const n of mixedSizes) {
    const a = kernelMatrix(n);
    const rng = new Rng(7);
    const b = new Float64Array(n * RHS);
    for (let i = 0; i < b.length; i++) b[i] = rng.normal();
    for (const block of blockSizes) {
      let first: Uint8Array | null = null;
      for (const lanes of laneCounts) {
        const times: number[] = [];
        let same = true;
        for (let r = 0; r < repeats; r++) {
          const tf0 = performance.now();
          const l = await choleskyFloat32(a, n, 0, { block, lanes });
          times.push((performance.now() - tf0) / 1000);
          const bytes = new Uint8Array(l.buffer, l.byteOffset, l.byteLength);
          if (!first) first = Uint8Array.from(bytes);
          else same &&= Buffer.compare(Buffer.from(first), Buffer.from(bytes)) === 0;
        }
        const best = Math.min(...times);
        console.log(`chol32     n=${String(n).padStart(5)}  ${best.toFixed(3).padStart(8)} s  ${(n ** 3 / 3 / best / 1e9).toFixed(2).padStart(6)} GFLOP/s  block ${block}, ` +
          `${lanes} lane${lanes === 1 ? '' : 's'}, each run ${times.map((t) => t.toFixed(2)).join(' ')} s${same ? '' : ', FACTOR DIFFERS from the first lane count\'s'}`);
      }
    }
    if (cholOnly) continue;
    const t0 = performance.now();
    const s = await solveSpdMixed(a, n, b, RHS);
    const seconds = (performance.now() - t0) / 1000;
    const np = numpy.get(n);
    console.log(`mixed      n=${String(n).padStart(5)}  ${seconds.toFixed(3).padStart(8)} s  ${s.solver}, ${s.iterations} CG steps, ` +
      `backward error ${s.backwardError.toExponential(1)}, residual ${s.relativeResidual.toExponential(1)}, cond ${s.condition.toExponential(2)}` +
      (np !== undefined ? `; numpy f64 cholesky+solve ${np.toFixed(3)} s, ratio ${(seconds / np).toFixed(2)}` : ''));
  }
}

mixedBench().catch((error) => { console.error(error); process.exit(1); });
