// Builds every bundle with esbuild: the CLI, the engine process, the extension host, the webviews,
// and the compiled tests. Entry points that do not exist yet are skipped, so the build grows with the code.
import * as esbuild from 'esbuild';
import { existsSync, readdirSync, statSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

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
  sourcemap: true,
  minify: production,
  logLevel: 'warning',
  absWorkingDir: root,
};

const builds = [];
const existing = (entries) => Object.fromEntries(Object.entries(entries).filter(([, src]) => existsSync(join(root, src))));

// CLI and engine process: node_modules stay external (tfjs loads its .wasm files from its package folder).
const engineEntries = existing({ iwl: 'engine/cli/iwl.ts', engine: 'engine/main.ts' });
if (Object.keys(engineEntries).length) builds.push({ ...nodeCommon, entryPoints: engineEntries, outdir: 'dist', packages: 'external' });

const hostEntries = existing({ extension: 'extension/extension.ts' });
if (Object.keys(hostEntries).length) builds.push({ ...nodeCommon, entryPoints: hostEntries, outdir: 'dist', external: ['vscode'] });

const webviewEntries = Object.fromEntries(
  walk(join(root, 'webview'), (f) => /Main\.ts$/.test(f)).map((f) => [relative(join(root, 'webview'), f).replace(/\.ts$/, ''), f]),
);
if (Object.keys(webviewEntries).length) {
  builds.push({ bundle: true, platform: 'browser', target: 'es2022', format: 'iife', sourcemap: true, minify: production,
    logLevel: 'warning', absWorkingDir: root, entryPoints: webviewEntries, outdir: 'dist/webview' });
}

// Tests and benchmarks compile one file per entry, mirroring test/ into dist-test/.
const testEntries = [
  ...walk(join(root, 'test'), (f) => /\.test\.ts$/.test(f) || /[\\/]e2e[\\/]run\.ts$/.test(f)),
  ...walk(join(root, 'bench'), (f) => /\.ts$/.test(f) && !/\.d\.ts$/.test(f)),
];
if (!watch) rmSync(join(root, 'dist-test'), { recursive: true, force: true });
if (testEntries.length) {
  builds.push({ ...nodeCommon, entryPoints: testEntries.map((f) => relative(root, f)), outbase: '.', outdir: 'dist-test', packages: 'external', external: ['vscode'] });
}

if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
  console.log('watching for changes');
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
