/**
 * Benchmark of `computeKernels`: a 3-layer relu network (NTK parametrization, wStd 1.5, bStd 0.1)
 * on n MNIST digits (784 pixels) for n = 1000, 2000, 4000, symmetric (x2 = x1). Prints the total
 * time, where it goes (Gram blocks on the tfjs backend vs the float64 recursion in JavaScript), the
 * Gram part's GFLOP/s, and, when python3 with numpy is installed, numpy's time for the same kernels
 * (float32, as neural-tangents computes them on CPU) and the largest difference from numpy's float64.
 *
 *   npm run build && node dist-test/bench/kernelBench.js [--sizes 1000,2000,4000] [--backend wasm] [--data mnist|random]
 *
 * Not part of the test suite.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackendName, isBackendName, useBackend } from '../engine/backend';
import { loadMnist } from '../engine/data/mnist';
import { Network } from '../engine/experiment/experimentTypes';
import { computeKernels } from '../engine/kernels/analytic';
import { Matrix, matrix } from '../engine/util/matrix';
import { readNpy, writeNpy } from '../engine/util/npy';
import { Rng } from '../engine/util/rng';

const network: Network = {
  parametrization: 'ntk',
  layers: [
    { kind: 'dense', width: 512, wStd: 1.5, bStd: 0.1 },
    { kind: 'activation', activation: { kind: 'relu' } },
    { kind: 'dense', width: 512, wStd: 1.5, bStd: 0.1 },
    { kind: 'activation', activation: { kind: 'relu' } },
    { kind: 'dense', width: 512, wStd: 1.5, bStd: 0.1 },
    { kind: 'activation', activation: { kind: 'relu' } },
    { kind: 'dense', width: null, wStd: 1.5, bStd: 0.1 },
  ],
};

const NUMPY_SCRIPT = `
import sys, time, json
import numpy as np
x = np.load(sys.argv[1]); out = sys.argv[2]
def ntk(X, dt):
    X = X.astype(dt); d = X.shape[1]
    t0 = time.perf_counter()
    g = X @ X.T
    t1 = time.perf_counter()
    w, b = dt(1.5**2), dt(0.1**2)
    S = w * g / d + b; T = S.copy()
    for _ in range(3):
        q = np.sqrt(np.diag(S))
        s = np.outer(q, q)
        c = np.clip(S / s, -1, 1)
        th = np.arccos(c)
        K = s * (np.sin(th) + (np.pi - th) * c) / (2 * np.pi)
        Kd = (np.pi - th) / (2 * np.pi)
        S = w * K + b
        T = S + w * Kd * T
    t2 = time.perf_counter()
    return S, T, t1 - t0, t2 - t0
ntk(x[:200], np.float32)
_, _, g32, t32 = ntk(x, np.float32)
S, T, g64, t64 = ntk(x, np.float64)
np.save(out, T)
print(json.dumps({"float32": t32, "float32Gram": g32, "float64": t64, "float64Gram": g64}))
`;

function parse(argv: string[]): { sizes: number[]; backend: BackendName; data: 'mnist' | 'random' } {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const sizes = (get('sizes') ?? '1000,2000,4000').split(',').map(Number);
  const backend = get('backend') ?? 'wasm';
  if (!isBackendName(backend)) throw new Error(`--backend: unknown backend ${backend}`);
  const data = get('data') === 'random' ? 'random' : 'mnist';
  return { sizes, backend, data };
}

function points(n: number, data: 'mnist' | 'random'): Matrix {
  if (data === 'mnist') return loadMnist({ train: n, test: 0, classes: null }, 0).xTrain;
  const rng = new Rng(0);
  return matrix(n, 784, Float64Array.from({ length: n * 784 }, () => rng.uniform()));
}

async function main(): Promise<void> {
  const { sizes, backend, data } = parse(process.argv.slice(2));
  const info = await useBackend(backend);
  const numpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;
  console.log(`computeKernels, 3-layer relu NTK, ${data} 784-dim inputs, backend ${info.detail}${numpy ? '' : ' (numpy not found: no reference)'}`);
  const dir = mkdtempSync(join(tmpdir(), 'iwl-bench-'));
  try {
    // Warm-up: JIT and the backend's first kernels.
    await computeKernels(network, points(200, data), null);
    for (const n of sizes) {
      const x = points(n, data);
      const t0 = performance.now();
      const r = await computeKernels(network, x, null);
      const seconds = (performance.now() - t0) / 1000;
      const flops = n * (n + 1) * 784; // 2 d per entry, entries on and above the diagonal
      let line =
        `n=${n}: ${seconds.toFixed(2)} s  (Gram ${r.stats.gramSeconds.toFixed(2)} s at ${(flops / r.stats.gramSeconds / 1e9).toFixed(1)} GFLOP/s, ` +
        `recursion ${r.stats.recursionSeconds.toFixed(2)} s, other ${(seconds - r.stats.gramSeconds - r.stats.recursionSeconds).toFixed(2)} s; refined pairs ${r.stats.refinedPairs})`;
      if (numpy) {
        const xPath = join(dir, `x${n}.npy`);
        const tPath = join(dir, `t${n}.npy`);
        writeNpy(xPath, Float64Array.from(x.data), [n, 784]);
        const run = spawnSync('python3', ['-c', NUMPY_SCRIPT, xPath, tPath], { encoding: 'utf8' });
        if (run.status !== 0) line += `\n  numpy failed: ${run.stderr.trim()}`;
        else {
          const t = JSON.parse(run.stdout.trim()) as { float32: number; float32Gram: number; float64: number; float64Gram: number };
          const ref = readNpy(tPath).data;
          let worst = 0;
          let scale = 0;
          for (let i = 0; i < ref.length; i++) {
            worst = Math.max(worst, Math.abs(r.ntk[i] - ref[i]));
            scale = Math.max(scale, Math.abs(ref[i]));
          }
          line +=
            `\n  numpy float32 ${t.float32.toFixed(2)} s (Gram ${t.float32Gram.toFixed(2)} s), float64 ${t.float64.toFixed(2)} s (Gram ${t.float64Gram.toFixed(2)} s); ` +
            `ours / numpy float32 = ${(seconds / t.float32).toFixed(2)}x; max |NTK - numpy float64| = ${(worst / scale).toExponential(1)} of the largest entry`;
        }
      }
      console.log(line);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
