/**
 * The research-scale table of issue 9: each row runs the product end to end as a user would (the
 * built `iwl` CLI on an experiment or kernel spec written to a temp folder, process start and file
 * writes included) next to python3 + numpy doing the same math on the same arrays (the digits the
 * engine itself loads, exported as .npy), in the same run. Prints work, engine seconds, numpy
 * seconds, their ratio and the target ratio; writes the table as JSON.
 *
 *   npm run bench -- research [--backend wasm|webgpu|...] [--workers N] [--factor-lanes N|auto] [--rows kernel,ntkgp,gp,ntk,kadam,inf8k,sweep]
 *                             [--quick] [--json PATH]
 *
 * --factor-lanes reaches every `iwl run` row (the gp jobs' float32 Cholesky lanes, engine/linalg/choleskyLanes.ts).
 *
 * --quick shrinks every row (about a tenth of the points or steps) for a smoke run. Without python3
 * and numpy the numpy and ratio columns are '-' and the run still succeeds. Targets live here, not
 * in the tests: a row over its target is reported, not failed.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { loadDataset } from '../engine/data/dataset';
import { loadMnist } from '../engine/data/mnist';
import { nodeValidationHost } from '../engine/experiment/validationHost';
import { validateExperiment } from '../engine/experiment/validate';
import { writeNpy } from '../engine/util/npy';
import { errorMessage } from '../engine/contract/errors';

interface Row {
  row: string;
  work: string;
  engineSeconds: number | null;
  numpySeconds: number | null;
  ratio: number | null;
  target: number;
  within: boolean | null;
  engineStatus: string;
  testAccuracy: number | null;
  numpyAccuracy: number | null;
  sizes: Record<string, number>;
}

const argv = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
};
const backend = option('backend') ?? 'wasm';
const workers = option('workers');
const factorLanes = option('factor-lanes');
const quick = argv.includes('--quick');
const rowsWanted = (option('rows') ?? 'kernel,ntkgp,gp,ntk,kadam,inf8k,sweep').split(',');
const repoRoot = resolve(__dirname, '..', '..');
const jsonPath = resolve(option('json') ?? join(repoRoot, 'bench-results', `research-scale-${backend}.json`));
const iwl = join(repoRoot, 'dist', 'iwl.js');
const python = process.env.IWL_BENCH_PYTHON ?? 'python3';
const scale = quick ? 0.1 : 1;
const size = (n: number) => Math.max(20, Math.round(n * scale));

const numpyEnv = { ...process.env };
delete numpyEnv.OPENBLAS_CORETYPE; // set on these machines for other tools; numpy should pick its own kernels
delete numpyEnv.OPENBLAS_L2_SIZE;

function hasNumpy(): boolean {
  const r = spawnSync(python, ['-c', 'import numpy'], { env: numpyEnv, encoding: 'utf8' });
  return r.status === 0;
}

/** Seconds of a command, end to end. */
function timed(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { seconds, status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

const relu2 = `network:
  parametrization: ntk
  layers:
    - dense: { width: 512, wStd: 1.4, bStd: 0.1 }
    - relu
    - dense: { width: 512, wStd: 1.4, bStd: 0.1 }
    - relu
    - dense: { wStd: 1.0, bStd: 0.1 }`;

/** The shared numpy side: ReLU NNGP/NTK recursions (SCIENCE.md) and each row's math. */
const NUMPY = String.raw`
import sys, json, time
import numpy as np
t_start = time.perf_counter()
task = json.loads(sys.argv[1]); d = task["dir"]
def kernels(X, layers, dt, w=1.4**2, b=0.1**2, w_out=1.0, b_out=0.1**2):
    X = X.astype(dt); dim = X.shape[1]
    S = w * (X @ X.T) / dim + b; T = S.copy()
    for l in range(layers):
        q = np.sqrt(np.diag(S)); s = np.outer(q, q)
        c = np.clip(S / s, -1, 1); th = np.arccos(c)
        K = s * (np.sin(th) + (np.pi - th) * c) / (2 * np.pi); Kd = (np.pi - th) / (2 * np.pi)
        ww, bb = (w, b) if l < layers - 1 else (w_out, b_out)
        S = ww * K + bb; T = S + ww * Kd * T
    return S, T
out = {}
if task["row"] == "kernel":
    X = np.load(d + "/x.npy")
    S, T = kernels(X, 3, np.float32, 1.5**2, 0.1**2, 1.5**2, 0.1**2)
    np.save(d + "/np-nngp.npy", S); np.save(d + "/np-ntk.npy", T)
else:
    xtr = np.load(d + "/xtrain.npy"); ytr = np.load(d + "/ytrain.npy"); xte = np.load(d + "/xtest.npy"); lte = np.load(d + "/labelstest.npy")
    n, k = ytr.shape
    if task["row"] in ("ntkgp", "gp", "ntk", "kadam", "inf8k"):
        S, T = kernels(np.concatenate([xtr, xte]), 2, np.float64)
        preds = []
        if task["row"] in ("ntkgp", "ntk"):
            lam, V = np.linalg.eigh(T[:n, :n])
            a = task["lr"] * lam / (n * k); coords = V.T @ (-ytr); tb = T[n:, :n] @ V
            for step in range(0, task["steps"] + 1, task["logEvery"]):
                g = (1 - a) ** step; ssum = np.where(a == 0, step, (1 - g) / np.where(a == 0, 1, a))
                train = ytr + V @ (g[:, None] * coords); test = -(task["lr"] / (n * k)) * tb @ (ssum[:, None] * coords)
            preds.append(test)
        if task["row"] in ("ntkgp", "gp", "inf8k"):
            A = S[:n, :n] + 1e-6 * np.mean(np.diag(S[:n, :n])) * np.eye(n)
            try:
                from scipy.linalg import cho_factor, cho_solve
                x = cho_solve(cho_factor(A, lower=True), ytr)  # LAPACK potrf + potrs
            except ImportError:
                x = np.linalg.solve(A, ytr)  # LAPACK gesv: twice Cholesky's flops, still one call
            preds.append(S[n:, :n] @ x)
        if task["row"] == "inf8k":
            # ntk (gradient descent), ntk with heavy-ball momentum, nngp (readout-only gradient descent) by
            # eigendecomposition, each recurrence per eigenvalue (engine/train/krylovDynamics.ts):
            #   u_t = mu u_{t-1} + r_t,  r_{t+1} = r_t - a lambda u_t,  test = -a K(X*, X) V sum_{s<t} u_s
            # One eigendecomposition per kernel, as a numpy user would write it (ntk and its momentum share T's).
            for K, mus in ((T, (0.0, task["momentum"])), (S, (0.0,))):
                lam, V = np.linalg.eigh(K[:n, :n]); a = task["lr"] / (n * k); r0 = V.T @ (-ytr)
                for mu in mus:
                    r = r0; u = np.zeros_like(r); ssum = np.zeros_like(r)
                    for step in range(task["steps"]):
                        u = mu * u + r; ssum += u; r = r - (a * lam)[:, None] * u
                    preds.append(-a * (K[n:, :n] @ (V @ ssum)))
        if task["row"] in ("kadam", "inf8k"):
            # Kernel Adam (engine/train/kernelDynamics.ts): per-point Adam moments of chi, f -= eta T(., X) mhat / (sqrt(vhat) + eps)
            Tx = T[:, :n]; f = np.zeros((T.shape[0], k)); mo = np.zeros((n, k)); ve = np.zeros((n, k)); b1, b2, eps = 0.9, 0.999, 1e-8
            for t in range(1, task.get("adamSteps", task["steps"]) + 1):
                chi = (f[:n] - ytr) / (n * k)
                mo = b1 * mo + (1 - b1) * chi; ve = b2 * ve + (1 - b2) * chi * chi
                f -= task.get("adamLr", task["lr"]) * (Tx @ ((mo / (1 - b1 ** t)) / (np.sqrt(ve / (1 - b2 ** t)) + eps)))
            preds.append(f[n:])
        out["accuracy"] = float(np.mean(np.argmax(preds[-1], 1) == lte))
    elif task["row"] == "sweep":
        rng = np.random.default_rng(0); f32 = np.float32
        X = np.concatenate([xtr, xte]).astype(f32); Y = ytr.astype(f32); dim = X.shape[1]; B = task["batch"]
        acc = []
        for width in task["widths"]:
            for seed in range(task["seeds"]):
                dims = [dim, width, width, k]; sw = [1.4, 1.4, 1.0]
                W = [rng.standard_normal((dims[i], dims[i + 1])).astype(f32) for i in range(3)]
                bs = [rng.standard_normal(dims[i + 1]).astype(f32) for i in range(3)]
                def forward(x):
                    hs = [x]
                    for i in range(3):
                        h = (sw[i] / np.sqrt(dims[i])) * (hs[-1] @ W[i]) + f32(0.1) * bs[i]
                        hs.append(np.maximum(h, 0) if i < 2 else h)
                    return hs
                f0 = forward(X)[-1]  # centering, as the engine's default: f - f0
                for step in range(task["steps"] + 1):
                    if step % task["logEvery"] == 0 or step == task["steps"]: f_all = forward(X)[-1] - f0
                    if step == task["steps"]: break
                    idx = rng.integers(0, n, B); hs = forward(X[idx]); g = (hs[-1] - f0[idx] - Y[idx]) / f32(B * k)
                    for i in (2, 1, 0):
                        a = f32(sw[i] / np.sqrt(dims[i]))
                        gw = a * (hs[i].T @ g); gb = f32(0.1) * g.sum(0)
                        if i > 0: g = (a * (g @ W[i].T)) * (hs[i] > 0)
                        W[i] -= f32(task["lr"]) * gw; bs[i] -= f32(task["lr"]) * gb
                acc.append(float(np.mean(np.argmax(f_all[n:], 1) == lte)))
        out["accuracy"] = float(np.mean(acc))
out["seconds"] = time.perf_counter() - t_start
print(json.dumps(out))
`;

interface Spec {
  row: string;
  work: string;
  target: number;
  sizes: Record<string, number>;
  /** Writes the engine's input into dir; returns the iwl arguments. */
  engine(dir: string): Promise<string[]>;
  numpyTask?: Record<string, unknown>;
}

/** The digits the engine will train on, read through the engine's own parser and loader, as .npy for numpy. */
async function exportDigits(dir: string, file: string): Promise<string> {
  const { experiment, diagnostics } = validateExperiment(readFileSync(file, 'utf8'), { filePath: file, host: nodeValidationHost() });
  if (!experiment) throw new Error(`${file}: ${diagnostics.map((d) => d.message).join('; ')}`);
  const data = await loadDataset(experiment.data, experiment.seed);
  writeNpy(join(dir, 'xtrain.npy'), Float64Array.from(data.xTrain.data), [data.xTrain.rows, data.inputDim]);
  writeNpy(join(dir, 'ytrain.npy'), Float64Array.from(data.yTrain.data), [data.yTrain.rows, data.outputs]);
  writeNpy(join(dir, 'xtest.npy'), Float64Array.from(data.xTest.data), [data.xTest.rows, data.inputDim]);
  writeNpy(join(dir, 'labelstest.npy'), Float64Array.from(data.labelsTest ?? []), [data.xTest.rows]);
  return data.description;
}

function experiment(dir: string, name: string, train: number, test: number, training: string, models: string): string {
  const file = join(dir, `${name}.iwl.yaml`);
  writeFileSync(file, `name: ${name}\nseed: 0\ndata: { source: mnist, train: ${train}, test: ${test} }\n${relu2}\nloss: mse\ntraining: ${training}\nmodels:\n${models}\n`);
  return file;
}

const runArgs = (file: string, dir: string) => ['run', file, '--out', join(dir, 'out'), '--backend', backend, '--quiet', ...(workers ? ['--workers', workers] : []), ...(factorLanes ? ['--factor-lanes', factorLanes] : [])];

const specs: Spec[] = [
  {
    row: 'kernel',
    work: `iwl kernel, n=${size(4000)}, d=784, 3 ReLU layers, float32 .npy, end to end`,
    target: 2.0,
    sizes: { n: size(4000) },
    async engine(dir) {
      const data = loadMnist({ train: size(4000), test: 0, classes: null }, 0);
      writeNpy(join(dir, 'x.npy'), Float64Array.from(data.xTrain.data), [data.xTrain.rows, data.inputDim]);
      const layer = '    - dense: { width: 512, wStd: 1.5, bStd: 0.1 }\n    - relu\n';
      writeFileSync(join(dir, 'spec.yaml'), `network:\n  parametrization: ntk\n  layers:\n${layer.repeat(3)}    - dense: { wStd: 1.5, bStd: 0.1 }\nx1: x.npy\n`);
      // --workers as given, else iwl kernel's default (one process).
      return ['kernel', join(dir, 'spec.yaml'), '--out', join(dir, 'out'), '--backend', backend, '--dtype', 'float32', '--quiet', ...(workers ? ['--workers', workers] : [])];
    },
    numpyTask: {},
  },
  {
    row: 'ntkgp',
    work: `iwl run of ntk + gp, ${size(4000)} + ${size(1000)} MNIST digits, 2 ReLU layers, ${quick ? 100 : 1000} steps`,
    target: 2.0,
    sizes: { train: size(4000), test: size(1000), steps: quick ? 100 : 1000 },
    async engine(dir) {
      const file = experiment(dir, 'ntkgp', size(4000), size(1000), `{ steps: ${quick ? 100 : 1000}, learningRate: 100, batchSize: full, logEvery: 100 }`, '  ntk: { kind: infinite, method: ntk, optimizer: sgd }\n  gp: { kind: infinite, method: gp }');
      await exportDigits(dir, file);
      return runArgs(file, dir);
    },
    numpyTask: { lr: 100, steps: quick ? 100 : 1000, logEvery: 100 },
  },
  {
    row: 'gp',
    work: `gp alone, ${size(8000)} + ${size(2000)} MNIST digits`,
    target: 2.0,
    sizes: { train: size(8000), test: size(2000) },
    async engine(dir) {
      const file = experiment(dir, 'gp', size(8000), size(2000), '{ steps: 1, learningRate: 1, batchSize: full, logEvery: 1 }', '  gp: { kind: infinite, method: gp }');
      await exportDigits(dir, file);
      return runArgs(file, dir);
    },
    numpyTask: {},
  },
  {
    row: 'ntk',
    work: `NTK gradient-descent dynamics alone, ${size(4000)} + ${size(1000)} digits (numpy: eigendecomposition of the train NTK; engine: block Lanczos)`,
    target: 2.0,
    sizes: { train: size(4000), test: size(1000), steps: 1000 },
    async engine(dir) {
      const file = experiment(dir, 'ntk', size(4000), size(1000), '{ steps: 1000, learningRate: 100, batchSize: full, logEvery: 100 }', '  ntk: { kind: infinite, method: ntk, optimizer: sgd }');
      await exportDigits(dir, file);
      return runArgs(file, dir);
    },
    numpyTask: { lr: 100, steps: 1000, logEvery: 100 },
  },
  {
    row: 'kadam',
    work: `kernel Adam, step by step, ${size(4000)} + ${size(1000)} digits, ${quick ? 30 : 300} steps`,
    target: 2.0,
    sizes: { train: size(4000), test: size(1000), steps: quick ? 30 : 300 },
    async engine(dir) {
      const steps = quick ? 30 : 300;
      const file = experiment(dir, 'kadam', size(4000), size(1000), `{ steps: ${steps}, learningRate: 0.001, batchSize: full, logEvery: ${steps / 10} }`, '  kadam: { kind: infinite, method: kernelAdam }');
      await exportDigits(dir, file);
      return runArgs(file, dir);
    },
    numpyTask: { lr: 0.001, steps: quick ? 30 : 300 },
  },
  {
    row: 'inf8k',
    work: `every infinite model in one iwl run, ${size(8000)} + ${size(2000)} digits: ntk, ntk with momentum 0.9, nngp (${quick ? 100 : 1000} steps each), gp, kernel Adam (${quick ? 10 : 100} steps)`,
    target: 2.0,
    sizes: { train: size(8000), test: size(2000), steps: quick ? 100 : 1000, adamSteps: quick ? 10 : 100 },
    async engine(dir) {
      const steps = quick ? 100 : 1000;
      const adamSteps = quick ? 10 : 100;
      const models = [
        '  ntk: { kind: infinite, method: ntk, optimizer: sgd }',
        '  ntk-momentum: { kind: infinite, method: ntk, optimizer: { name: momentum, momentum: 0.9 } }',
        '  nngp: { kind: infinite, method: nngp, optimizer: sgd }',
        '  gp: { kind: infinite, method: gp }',
        `  kadam: { kind: infinite, method: kernelAdam, learningRate: 0.001, steps: ${adamSteps}, logEvery: ${adamSteps / 10} }`,
      ].join('\n');
      const file = experiment(dir, 'inf8k', size(8000), size(2000), `{ steps: ${steps}, learningRate: 100, batchSize: full, logEvery: ${steps / 10} }`, models);
      await exportDigits(dir, file);
      return runArgs(file, dir);
    },
    numpyTask: { lr: 100, momentum: 0.9, steps: quick ? 100 : 1000, adamLr: 0.001, adamSteps: quick ? 10 : 100 },
  },
  {
    row: 'sweep',
    work: `width sweep: 2 hidden ReLU layers, widths 512 and 1024 x 2 seeds, ${size(1000)} + ${size(1000)} MNIST, ${quick ? 10 : 100} SGD steps (batch 100)`,
    target: 3.0,
    sizes: { train: size(1000), test: size(1000), steps: quick ? 10 : 100 },
    async engine(dir) {
      const steps = quick ? 10 : 100;
      const file = experiment(dir, 'sweep', size(1000), size(1000), `{ steps: ${steps}, learningRate: 1, batchSize: 100, logEvery: 10 }`, '  sgd: { kind: finite, widths: [512, 1024], seeds: 2, optimizer: sgd }');
      await exportDigits(dir, file);
      return runArgs(file, dir);
    },
    numpyTask: { widths: [512, 1024], seeds: 2, steps: quick ? 10 : 100, batch: 100, lr: 1, logEvery: 10 },
  },
];

/**
 * Test accuracy of the run's last model (gp in the ntk + gp row: the one the numpy side reports), or the
 * mean over the runs where every run is the same model at another width or seed (the sweep row).
 */
function finalAccuracy(dir: string, row: string): number | null {
  try {
    const summary = JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8'));
    const accs = summary.runs.map((r: { final: { testAccuracy: number | null } | null }) => r.final?.testAccuracy).filter((a: unknown) => typeof a === 'number');
    if (accs.length === 0) return null;
    return row === 'sweep' ? accs.reduce((s: number, a: number) => s + a, 0) / accs.length : accs[accs.length - 1];
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const numpy = hasNumpy();
  const chosen = specs.filter((s) => rowsWanted.includes(s.row));
  console.log(`research-scale table on backend ${backend}${workers ? `, --workers ${workers}` : ''}${factorLanes ? `, --factor-lanes ${factorLanes}` : ''}${quick ? ' (quick: about a tenth of the sizes)' : ''}: ${chosen.length} rows`);
  console.log(quick ? 'expected: under a minute' : 'expected: several minutes on a 2-core machine (each row runs once on each side)');
  if (!numpy) console.log(`numpy column skipped: ${python} cannot import numpy (set IWL_BENCH_PYTHON to another interpreter)`);
  const rows: Row[] = [];
  for (const spec of chosen) {
    const dir = mkdtempSync(join(tmpdir(), `iwl-bench-${spec.row}-`));
    try {
      const args = await spec.engine(dir);
      const engine = timed(process.execPath, [iwl, ...args], dir);
      const engineOk = engine.status === 0;
      if (!engineOk) console.log(`  ${spec.row}: the engine exited ${engine.status}: ${engine.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      let numpySeconds: number | null = null;
      let numpyAccuracy: number | null = null;
      if (numpy && spec.numpyTask) {
        const t = timed(python, ['-c', NUMPY, JSON.stringify({ row: spec.row, dir, ...spec.numpyTask })], dir, numpyEnv);
        if (t.status === 0) {
          numpySeconds = t.seconds; // end to end, interpreter start and loads included, as for the engine
          numpyAccuracy = (JSON.parse(t.stdout.trim().split('\n').pop()!).accuracy as number | undefined) ?? null;
        } else console.log(`  ${spec.row}: numpy failed: ${t.stderr.trim().split('\n').slice(-2).join(' | ')}`);
      }
      const ratio = engineOk && numpySeconds ? engine.seconds / numpySeconds : null;
      const row: Row = {
        row: spec.row,
        work: spec.work,
        engineSeconds: engineOk ? engine.seconds : null,
        numpySeconds,
        ratio,
        target: spec.target,
        within: ratio === null ? null : ratio <= spec.target,
        engineStatus: engineOk ? 'completed' : `exit ${engine.status}`,
        testAccuracy: spec.row === 'kernel' ? null : finalAccuracy(dir, spec.row),
        numpyAccuracy,
        sizes: spec.sizes,
      };
      rows.push(row);
      console.log(`  ${spec.row}: engine ${fmt(row.engineSeconds)} s, numpy ${fmt(row.numpySeconds)} s, ratio ${row.ratio === null ? '-' : row.ratio.toFixed(2)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  printTable(rows);
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, JSON.stringify({ backend, workers: workers ? Number(workers) : 'default', quick, numpy, date: new Date().toISOString(), rows }, null, 2) + '\n');
  console.log(`\nwritten: ${jsonPath}`);
}

function fmt(x: number | null): string {
  return x === null ? '-' : x.toFixed(2);
}

export function printTable(rows: Row[]): void {
  console.log('\n| work | engine s | numpy s | ratio | target | |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) {
    const acc = r.testAccuracy !== null ? ` (test accuracy ${(100 * r.testAccuracy).toFixed(1)}%${r.numpyAccuracy !== null ? `; numpy ${(100 * r.numpyAccuracy).toFixed(1)}%` : ''})` : '';
    const verdict = r.within === null ? '-' : r.within ? 'within' : 'over';
    console.log(`| ${r.work}${acc} | ${fmt(r.engineSeconds)} | ${fmt(r.numpySeconds)} | ${r.ratio === null ? '-' : r.ratio.toFixed(2)} | ${r.target.toFixed(1)} | ${verdict} |`);
  }
}

main().catch((error) => {
  console.error(`research-scale bench failed: ${errorMessage(error)}`);
  process.exit(1);
});
