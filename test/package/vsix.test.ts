/**
 * The .vsix as a user gets it (`npm run package`, staged and written to a temporary folder):
 * what it holds and leaves out, and that what it holds runs on its own. Unzipped outside the
 * repository, its CLI trains a tiny MNIST experiment (tfjs and the .wasm files bundled, the digits
 * from the compact file: no node_modules in reach) to the same final figures as the development
 * build, and its engine process completes a run for the extension's own client.
 * Measured here: packaging about 8 s, the whole file about 20 s on 2 cores.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, tempDir } from '../helpers';
import { extractZip, listZip, type ZipEntry } from './zip';
import { decodeMnistCompact } from '../../engine/data/mnistCompact';
import { assertSameDigits } from './digits';
import { EngineClient } from '../../extension/engineClient';
import { RunManager, type FinishedRun } from '../../extension/runManager';
import { readRun } from '../../extension/runStore';

/** What a user downloads. Measured: 9.9 MB for linux-x64, 7.3 MB of it Dawn (dawn.node, 21.5 MB inflated). */
const vsixBudgetBytes = 14e6;

const work = tempDir('iwl-vsix-');
const vsix = join(work, 'infinite-width-lab.vsix');
const unzipped = join(work, 'unzipped');
const extension = join(unzipped, 'extension');
let entries: ZipEntry[] = [];
let packageSeconds = 0;
const clients: EngineClient[] = [];

const tinyMnist = `name: packaged-mnist
seed: 3
data: { source: mnist, train: 60, test: 30, classes: [0, 1, 2] }
network:
  layers:
    - dense: { width: 64 }
    - relu
    - dense
loss: mse
training: { steps: 20, learningRate: 1.0, batchSize: full, logEvery: 5 }
models:
  sgd: { kind: finite, widths: [64], seeds: 1, optimizer: sgd }
  ntk: { kind: infinite, method: ntk }
`;

/** A child's environment with nothing that could lead module resolution back into the repository. */
function isolatedEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_PATH;
  delete env.NODE_OPTIONS;
  return env;
}

before(() => {
  const started = Date.now();
  const result = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'package.mjs'), '--out', vsix, '--stage', join(work, 'stage')], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 240_000,
  });
  packageSeconds = (Date.now() - started) / 1000;
  assert.equal(result.status, 0, `npm run package failed:\n${result.stdout}\n${result.stderr}`);
  entries = extractZip(vsix, unzipped);
  console.log(`package: ${(statSync(vsix).size / 1e6).toFixed(1)} MB, ${entries.length} entries, packaged in ${packageSeconds.toFixed(1)} s`);
});

after(async () => {
  await Promise.all(clients.map((c) => c.stop()));
});

describe('the .vsix', () => {
  test('holds the bundles, the three tfjs .wasm files, the digits, the schema, the examples and the walkthrough', () => {
    const names = new Set(entries.map((e) => e.name));
    const required = [
      'extension/package.json',
      'extension/dist/extension.js',
      'extension/dist/engine.js',
      'extension/dist/iwl.js',
      'extension/dist/worker.js',
      'extension/dist/choleskyLane.js',
      'extension/bin/iwl.js',
      'extension/dist/wasm/tfjs-backend-wasm.wasm',
      'extension/dist/wasm/tfjs-backend-wasm-simd.wasm',
      'extension/dist/wasm/tfjs-backend-wasm-threaded-simd.wasm',
      'extension/dist/data/mnist-digits.bin.gz',
      'extension/schema/experiment.schema.json',
      'extension/examples/quickstart.iwl.yaml',
      'extension/examples/mnist-adam-vs-sgd.iwl.yaml',
      'extension/examples/data/circles.csv',
    ];
    for (const name of required) assert.ok(names.has(name), `${name} is missing from the .vsix`);
    const manifest = JSON.parse(readFileSync(join(extension, 'package.json'), 'utf8'));
    for (const step of manifest.contributes.walkthroughs.flatMap((w: { steps: { media: { markdown?: string; image?: string } }[] }) => w.steps)) {
      const media = step.media.markdown ?? step.media.image;
      assert.ok(names.has(`extension/${media}`), `walkthrough media ${media} is missing from the .vsix`);
    }
    assert.equal(manifest.contributes.jsonValidation[0].url, './schema/experiment.schema.json');
    assert.ok(names.has(`extension/${manifest.main.replace(/^\.\//, '')}`), `main ${manifest.main}`);
  });

  test('leaves out sources, tests, source maps, the repository node_modules and dependency lists', () => {
    const unwanted = entries
      .map((e) => e.name)
      .filter(
        (n) =>
          /\.(ts|map|tsbuildinfo)$/.test(n) ||
          /\.test\./.test(n) ||
          /^extension\/(engine|extension|webview|test|dist-test|scripts|bench|docs|\.ci)\//.test(n) ||
          (n.includes('node_modules/') && !n.startsWith('extension/dist/node_modules/webgpu/')),
      );
    assert.deepEqual(unwanted, []);
    const manifest = JSON.parse(readFileSync(join(extension, 'package.json'), 'utf8'));
    for (const key of ['scripts', 'dependencies', 'devDependencies']) assert.equal(manifest[key], undefined, `package.json ships "${key}"`);
  });

  test(`ships Dawn for this platform only and weighs under ${vsixBudgetBytes / 1e6} MB`, () => {
    const dawn = entries.filter((e) => e.name.endsWith('/dawn.node')).map((e) => e.name);
    const folder = process.platform === 'darwin' ? 'darwin-universal' : `${process.platform}-${process.arch}`;
    assert.deepEqual(dawn, [`extension/dist/node_modules/webgpu/dist/${folder}/dawn.node`]);
    const size = statSync(vsix).size;
    assert.ok(size < vsixBudgetBytes, `${(size / 1e6).toFixed(1)} MB`);
  });

  test('its compact digits decode to exactly the mnist package digits', () => {
    const { classes } = decodeMnistCompact(new Uint8Array(readFileSync(join(extension, 'dist', 'data', 'mnist-digits.bin.gz'))));
    assertSameDigits(classes);
  });

  test('its CLI, unzipped outside the repository, trains MNIST to the development build\'s final figures', () => {
    const dir = tempDir('iwl-vsix-run-');
    writeFileSync(join(dir, 'tiny.iwl.yaml'), tinyMnist);
    const packaged = spawnSync(process.execPath, [join(extension, 'bin', 'iwl.js'), 'run', 'tiny.iwl.yaml', '--out', 'packaged', '--quiet'], {
      cwd: dir,
      env: isolatedEnv(),
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(packaged.status, 0, packaged.stderr);
    const development = spawnSync(process.execPath, [join(repoRoot, 'bin', 'iwl.js'), 'run', 'tiny.iwl.yaml', '--out', 'development', '--quiet'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(development.status, 0, development.stderr);
    const summary = (name: string) => JSON.parse(readFileSync(join(dir, name, 'summary.json'), 'utf8'));
    const a = summary('packaged');
    const b = summary('development');
    assert.equal(a.status, 'completed');
    assert.match(a.backendDetail, /^wasm \(XNNPACK/);
    assert.match(a.data.description, /^mnist: digits \[0, 1, 2\]/);
    assert.deepEqual(a.runs.map((r: { id: string }) => r.id).sort(), ['ntk', 'sgd/w64/s0']);
    // Same code, same digits, same seed, same wasm kernels: the figures agree to the last bit.
    assert.deepEqual(a.runs.map((r: { final: unknown }) => r.final), b.runs.map((r: { final: unknown }) => r.final));
  });

  test('its CLI loads Dawn from the package (the webgpu backend is present, whether or not this machine has an adapter)', () => {
    const result = spawnSync(process.execPath, [join(extension, 'bin', 'iwl.js'), 'backends'], { env: isolatedEnv(), encoding: 'utf8', timeout: 60_000 });
    const line = result.stdout.split('\n').find((l) => l.startsWith('webgpu')) ?? '';
    assert.ok(line, result.stdout + result.stderr);
    assert.doesNotMatch(line, /did not load/);
  });

  test('its engine process completes a run for the extension\'s client', async () => {
    const workspace = tempDir('iwl-vsix-engine-');
    const file = join(workspace, 'tiny.iwl.yaml');
    writeFileSync(file, tinyMnist);
    const client = new EngineClient({
      launch: { enginePath: join(extension, 'dist', 'engine.js'), execPath: process.execPath, env: { NODE_PATH: '', NODE_OPTIONS: '' } },
      backend: 'wasm',
      cwd: workspace,
      log: () => undefined,
    });
    clients.push(client);
    const runs = new RunManager(client, () => undefined);
    const info = await client.ensureStarted();
    assert.equal(info.backend.name, 'wasm');
    const done = new Promise<FinishedRun>((resolve) => {
      const sub = runs.onDidFinish((f) => {
        sub.dispose();
        resolve(f);
      });
    });
    const run = await runs.start({ experimentFile: file, resultsRoot: join(workspace, '.iwl', 'runs'), displayPath: 'tiny.iwl.yaml' });
    const { end } = await done;
    assert.equal(end.status, 'completed', end.error);
    const stored = await readRun(run.outDir);
    assert.equal(stored.summary?.status, 'completed');
    assert.ok(existsSync(join(run.outDir, 'manifest.json')));
  });
});
