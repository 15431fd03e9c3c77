import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runIwl, tempDir } from '../../helpers';
import { readNpy } from '../../../engine/util/npy';
import { tinyExperimentText } from '../../fixtures/tinyExperiment';
import { readMetricLine, readRunSummary } from '../../../engine/contract/records';

/** A small regression experiment: finite SGD at two widths next to its NTK limit, and a GP. */
function tinyExperiment(dir: string, overrides: { steps?: number; widths?: string } = {}): string {
  const file = join(dir, 'tiny.iwl.yaml');
  writeFileSync(
    file,
    `name: tiny
seed: 3
data: { source: synthetic, kind: teacher, inputDim: 5, train: 40, test: 24, outputs: 2, noise: 0.0 }
network:
  layers:
    - dense: { width: 64, wStd: 1.4, bStd: 0.1 }
    - relu
    - dense: { wStd: 1.4, bStd: 0.1 }
training: { steps: ${overrides.steps ?? 30}, learningRate: 1.0, batchSize: full, logEvery: 10 }
models:
  sgd: { kind: finite, widths: ${overrides.widths ?? '[16, 64]'}, seeds: 1 }
  ntk: { kind: infinite, method: ntk }
  gp: { kind: infinite, method: gp }
`,
  );
  return file;
}

test('iwl run writes metrics, a summary, predictions and a copy of the experiment', () => {
  const dir = tempDir();
  const file = tinyExperiment(dir);
  const out = join(dir, 'out');
  const result = runIwl(['run', file, '--out', out]);
  assert.equal(result.status, 0, result.stderr);
  assert.doesNotMatch(result.stderr, /at .*\.js:\d+/, 'no stack trace');
  assert.match(result.stderr, /progress 100%/);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  readRunSummary(summary); // what the engine writes reads back through the contract's reader
  assert.equal(summary.status, 'completed');
  assert.equal(summary.experiment, 'tiny');
  assert.equal(summary.backend, 'wasm');
  assert.ok(summary.versions.iwl && summary.versions.tfjs && summary.seconds > 0);
  assert.deepEqual(summary.runs.map((r: { id: string }) => r.id).sort(), ['gp', 'ntk', 'sgd/w16/s0', 'sgd/w64/s0']);
  for (const run of summary.runs) {
    assert.equal(run.final.step, 30);
    assert.ok(Number.isFinite(run.final.trainLoss) && Number.isFinite(run.final.testLoss));
    assert.equal(run.final.testAccuracy, null, 'regression has no accuracy');
    const predictions = readNpy(join(out, run.predictionsFile));
    assert.deepEqual(predictions.shape, [24, 2]);
    assert.equal(run.width, run.kind === 'finite' ? Number(run.id.split('/w')[1].split('/')[0]) : null);
    assert.equal(run.kind === 'infinite' ? run.method : run.optimizer, run.kind === 'infinite' ? run.id : 'sgd');
  }
  const finite = summary.runs.find((r: { id: string }) => r.id === 'sgd/w64/s0');
  assert.equal(finite.limit, 'ntk');
  assert.ok(finite.rmseToLimit > 0);
  const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  // 4 runs x logged steps 0, 10, 20, 30.
  assert.equal(lines.length, 16);
  lines.forEach((line) => readMetricLine(line));
  for (const line of lines) {
    for (const key of ['id', 'model', 'width', 'seed', 'step', 'trainLoss', 'testLoss']) assert.ok(key in line, `${key} in ${JSON.stringify(line)}`);
  }
  assert.ok(lines.filter((l) => l.id.startsWith('sgd')).every((l) => typeof l.rmseToLimit === 'number'));
  assert.equal(readFileSync(join(out, 'tiny.iwl.yaml'), 'utf8'), readFileSync(file, 'utf8'));
});

/** metrics.jsonl without wall-clock times, by run and step (lines of jobs running side by side interleave). */
function metricLines(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8').trim().split('\n').map((l) => {
    const { elapsedSeconds: _ignored, ...rest } = JSON.parse(l);
    return rest;
  }).sort((a, b) => `${a.id}@${String(a.step).padStart(6)}`.localeCompare(`${b.id}@${String(b.step).padStart(6)}`));
}

test('iwl run is deterministic: the same file and seed give identical numbers', () => {
  const dir = tempDir();
  const file = tinyExperiment(dir, { steps: 20, widths: '[32]' });
  const strip = metricLines;
  assert.equal(runIwl(['run', file, '--out', join(dir, 'a'), '--quiet']).status, 0);
  assert.equal(runIwl(['run', file, '--out', join(dir, 'b'), '--quiet']).status, 0);
  assert.deepEqual(strip(join(dir, 'a', 'metrics.jsonl')), strip(join(dir, 'b', 'metrics.jsonl')));
});

test('iwl run --workers: 2 workers give the numbers of 1, and a bad count is a usage error', () => {
  const dir = tempDir();
  const file = tinyExperiment(dir, { steps: 20, widths: '[16, 32]' });
  const strip = metricLines;
  const one = runIwl(['run', file, '--out', join(dir, 'one'), '--workers', '1']);
  const two = runIwl(['run', file, '--out', join(dir, 'two'), '--workers', '2']);
  assert.equal(one.status, 0, one.stderr);
  assert.equal(two.status, 0, two.stderr);
  assert.match(two.stderr, /running 4 jobs on 2 worker processes/);
  assert.match(two.stderr, /run sgd\/w16\/s0: started \(worker \d+\)/);
  assert.doesNotMatch(one.stderr, /worker/);
  assert.deepEqual(strip(join(dir, 'two', 'metrics.jsonl')), strip(join(dir, 'one', 'metrics.jsonl')));
  const runs = (name: string) => JSON.parse(readFileSync(join(dir, name, 'summary.json'), 'utf8')).runs.map((r: { id: string; final: unknown }) => [r.id, r.final]);
  assert.deepEqual(runs('two'), runs('one'), 'summary.json lists the runs in plan order with the same figures');
  for (const bad of ['0', '1.5', 'many']) {
    const result = runIwl(['run', file, '--out', join(dir, `bad-${bad}`), '--workers', bad]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, new RegExp(`--workers must be a whole number of at least 1; got '${bad}'`));
  }
});

test('iwl run --factor-lanes 2: the gp predictions of 1 lane byte for byte; a bad count is a usage error', () => {
  const dir = tempDir();
  const file = join(dir, 'lanes.iwl.yaml');
  // 1400 train points: the float32 Cholesky (>= 1024) with two trailing row blocks, so both lanes compute.
  writeFileSync(file, tinyExperimentText({ name: 'lanes', train: 1400, test: 100, inputDim: 5, outputs: 2, noise: 0.05, steps: 1, logEvery: 1, models: '  gp: { kind: infinite, method: gp }' }));
  const one = runIwl(['run', file, '--out', join(dir, 'one'), '--quiet']);
  const two = runIwl(['run', file, '--out', join(dir, 'two'), '--quiet', '--factor-lanes', '2']);
  assert.equal(one.status, 0, one.stderr);
  assert.equal(two.status, 0, two.stderr);
  const npy = (name: string) => readFileSync(join(dir, name, 'predictions', 'gp.npy'));
  assert.deepEqual(npy('two'), npy('one'), 'gp predictions differ between 2 lanes and 1');
  assert.deepEqual(metricLines(join(dir, 'two', 'metrics.jsonl')), metricLines(join(dir, 'one', 'metrics.jsonl')));
  const info = (name: string) => JSON.parse(readFileSync(join(dir, name, 'summary.json'), 'utf8')).runs[0].info;
  assert.equal(info('two').factorLanes, 2);
  assert.equal(info('one').factorLanes, undefined);
  for (const bad of ['0', 'two']) {
    const result = runIwl(['run', file, '--out', join(dir, `bad-${bad}`), '--factor-lanes', bad]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, new RegExp(`--factor-lanes must be auto or a whole number of at least 1; got '${bad}'`));
  }
});

test('iwl run --workers 2 on webgpu (software here) gives the numbers of --workers 1', (t) => {
  const dir = tempDir();
  const file = tinyExperiment(dir, { steps: 20, widths: '[16, 32]' });
  const one = runIwl(['run', file, '--out', join(dir, 'one'), '--workers', '1', '--backend', 'webgpu']);
  if (one.status !== 0 && /is not available/.test(one.stderr) && process.env.CI !== 'true') {
    // Without Mesa's EGL/GLES libraries webgpu cannot start; CI installs them, so there it must run.
    t.skip(`webgpu is unavailable here: ${one.stderr.trim()}`);
    return;
  }
  const two = runIwl(['run', file, '--out', join(dir, 'two'), '--workers', '2', '--backend', 'webgpu']);
  assert.equal(one.status, 0, one.stderr);
  assert.equal(two.status, 0, two.stderr);
  assert.match(two.stderr, /on backend webgpu[\s\S]*running 4 jobs on 2 worker processes/);
  assert.deepEqual(metricLines(join(dir, 'two', 'metrics.jsonl')), metricLines(join(dir, 'one', 'metrics.jsonl')));
});

test('iwl run exits 2 on an invalid file, with FILE:LINE:COL lines and nothing written', () => {
  const dir = tempDir();
  const file = join(dir, 'bad.iwl.yaml');
  writeFileSync(file, 'name: bad\ndata: { source: mnist, train: 10, test: 10 }\nnetwork:\n  layers:\n    - dense: { width: -3 }\nmodels:\n  m: { kind: finite }\n');
  const result = runIwl(['run', file, '--out', join(dir, 'out')]);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /bad\.iwl\.yaml:5:\d+: error [a-z-]+: .*width/);
  assert.equal(existsSync(join(dir, 'out')), false);
  assert.equal(runIwl(['run', file]).status, 2, 'missing --out is a usage error');
});

test('iwl run on an unavailable backend fails with a clear message and no stack trace', () => {
  const dir = tempDir();
  const result = runIwl(['run', tinyExperiment(dir), '--out', join(dir, 'out'), '--backend', 'tensorflow']);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /backend 'tensorflow' is not available/);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
});

test('Ctrl-C stops iwl run within a second, exits 130 and keeps what was written', async () => {
  const dir = tempDir();
  // Long enough that it is still training when interrupted.
  const file = tinyExperiment(dir, { steps: 100000, widths: '[256]' });
  const out = join(dir, 'out');
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'iwl.js'), 'run', file, '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  // Wait until the finite run is training (the infinite ones come first and are quick).
  const deadline = Date.now() + 60_000;
  while (!stderr.includes('run sgd/w256/s0: started') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 500));
  const sent = Date.now();
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  const stopMs = Date.now() - sent;
  assert.equal(code, 130, stderr);
  assert.ok(stopMs < 1000, `stopped ${stopMs} ms after Ctrl-C`);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.equal(summary.status, 'cancelled');
  assert.deepEqual(summary.runs.map((r: { id: string; status: string }) => `${r.id}:${r.status}`), ['ntk:completed', 'gp:completed', 'sgd/w256/s0:cancelled']);
  const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n');
  assert.ok(metrics.some((l) => JSON.parse(l).id === 'sgd/w256/s0'), 'the cancelled run kept its logged steps');
});

test('the float32 infinite paths (block Lanczos, stepwise kernel Adam, the mixed GP solve, the Adam limit) run on webgpu (software here) as on wasm', (t) => {
  const dir = tempDir();
  const file = join(dir, 'large.iwl.yaml');
  // 1100 training points: past KRYLOV_MIN_N, STEPWISE_FLOAT32_MIN_N and NNGP_MIXED_MIN_N, so every
  // float32 path runs, and the Adam limit multiplies its samples on the backend.
  writeFileSync(file, tinyExperimentText({
    name: 'large', seed: 1, train: 1100, test: 40, inputDim: 6, outputs: 2, noise: 0.05, steps: 60, learningRate: 1, logEvery: 20,
    models: [
      '  ntk: { kind: infinite, method: ntk, optimizer: sgd }',
      '  kadam: { kind: infinite, method: kernelAdam, learningRate: 0.01 }',
      '  gp: { kind: infinite, method: gp }',
      '  adam: { kind: infinite, method: adam, learningRate: 0.01, samples: { backward: 96, forward: 96 } }',
    ].join('\n'),
  }));
  const gpu = runIwl(['run', file, '--out', join(dir, 'gpu'), '--workers', '1', '--backend', 'webgpu']);
  if (gpu.status !== 0 && /is not available/.test(gpu.stderr) && process.env.CI !== 'true') {
    t.skip(`webgpu is unavailable here: ${gpu.stderr.trim()}`);
    return;
  }
  assert.equal(gpu.status, 0, gpu.stderr);
  const cpu = runIwl(['run', file, '--out', join(dir, 'wasm'), '--workers', '1']);
  assert.equal(cpu.status, 0, cpu.stderr);
  const summary = JSON.parse(readFileSync(join(dir, 'gpu', 'summary.json'), 'utf8')) as { runs: { id: string; status: string; info: { dynamics?: string; solver?: string } }[] };
  assert.deepEqual(summary.runs.map((r) => `${r.id} ${r.status}`).sort(), ['adam completed', 'gp completed', 'kadam completed', 'ntk completed']);
  const info = Object.fromEntries(summary.runs.map((r) => [r.id, r.info]));
  assert.match(String(info.ntk.dynamics), /^block Lanczos/);
  assert.equal(info.kadam.dynamics, 'step by step (float32 kernel products)');
  assert.equal(info.gp.solver, 'float32 Cholesky + float64 CG');
  // Both backends round the same float32 products differently (different summation orders): the losses
  // agree to float32 accuracy, not bit for bit (krylovDynamics.test.ts and kernelDynamicsFloat32.test.ts
  // hold each path to a float64 reference).
  const a = metricLines(join(dir, 'gpu', 'metrics.jsonl')), b = metricLines(join(dir, 'wasm', 'metrics.jsonl'));
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    for (const key of ['trainLoss', 'testLoss']) {
      const x = Number(a[i][key]), y = Number(b[i][key]);
      assert.ok(Math.abs(x - y) <= 1e-4 * Math.max(Math.abs(y), 1e-3), `${String(a[i].id)}@${String(a[i].step)} ${key}: ${x} vs ${y}`);
    }
  }
});
