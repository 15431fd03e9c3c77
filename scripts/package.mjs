// `npm run package`: builds the .vsix with @vscode/vsce.
// Usage: node scripts/package.mjs [--target T] [--out FILE] [--stage DIR]
//
// The package ships no node_modules of the repository. It is staged in DIR (default out/vsix/):
//   package.json     the repository's manifest without scripts and dependencies (nothing is installed)
//   dist/            production bundles (scripts/build.mjs --production): extension.js, engine.js, iwl.js worker.js (the compute pool's worker process) and choleskyLane.js (a float32 Cholesky lane thread)
//                    with tfjs, yaml and vscode-jsonrpc inside; webview/; wasm/*.wasm; data/mnist-digits.bin.gz
//   dist/node_modules/webgpu/   Dawn for Node (the webgpu backend): index.js and the target's dawn.node only
//   schema/, media/, examples/, bin/iwl.js, README.md
// and vsce packs that folder with --no-dependencies, filtered by the repository's .vscodeignore (an allow-list).
//
// T is a VS Code target platform (linux-x64, linux-arm64, darwin-x64, darwin-arm64, win32-x64, win32-arm64),
// default this machine's; the .vsix is then platform-specific and carries that platform's dawn.node (12-22 MB).
// `--target universal` makes one .vsix for every platform without Dawn: there the webgpu backend reports
// that it is not installed, and wasm, cpu and tensorflow work as everywhere.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

/** Which folder of the webgpu package holds Dawn for a VS Code target (null: none ships). */
const dawnFolders = {
  'linux-x64': 'linux-x64',
  'linux-arm64': 'linux-arm64',
  'darwin-x64': 'darwin-universal',
  'darwin-arm64': 'darwin-universal',
  'win32-x64': 'win32-x64',
  'win32-arm64': 'win32-arm64',
  universal: null,
};

const hostTarget = `${process.platform}-${process.arch}`;
const target = option('--target') ?? hostTarget;
if (!(target in dawnFolders)) {
  console.error(`package: --target must be one of ${Object.keys(dawnFolders).join(', ')}; got '${target}'`);
  process.exit(2);
}
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const vsixName = target === 'universal' ? `${manifest.name}-${manifest.version}.vsix` : `${manifest.name}-${target}-${manifest.version}.vsix`;
const out = resolve(option('--out') ?? join(root, vsixName));
const stage = resolve(option('--stage') ?? join(root, 'out', 'vsix'));
const started = Date.now();

function run(command, commandArgs, cwd) {
  const result = spawnSync(command, commandArgs, { cwd, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`package: failed (exit ${result.status ?? result.signal}): ${command} ${commandArgs.join(' ')}`);
    process.exit(1);
  }
}

function copy(from, to) {
  mkdirSync(dirname(to), { recursive: true });
  cpSync(from, to, { recursive: true, dereference: true });
}

rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
run(process.execPath, [join(root, 'scripts', 'build.mjs'), '--production', '--outdir', join(stage, 'dist')], root);

const dawn = dawnFolders[target];
if (dawn) {
  const webgpu = join(root, 'node_modules', 'webgpu');
  for (const file of ['index.js', 'package.json', 'LICENSE.md']) copy(join(webgpu, file), join(stage, 'dist', 'node_modules', 'webgpu', file));
  copy(join(webgpu, 'dist', dawn), join(stage, 'dist', 'node_modules', 'webgpu', 'dist', dawn));
}

for (const path of ['README.md', 'LICENSE', 'schema/experiment.schema.json', 'media', 'examples', 'bin/iwl.js', '.vscodeignore']) {
  if (existsSync(join(root, path))) copy(join(root, path), join(stage, path));
}

// Nothing is installed from the package: its code is bundled. Scripts and dependency lists would only
// invite `npm install` in the extension folder to fetch what the bundles already hold.
const shipped = { ...manifest };
for (const key of ['scripts', 'devDependencies', 'dependencies', 'optionalDependencies', 'allowScripts', 'private']) delete shipped[key];
writeFileSync(join(stage, 'package.json'), JSON.stringify(shipped, null, 2) + '\n');

mkdirSync(dirname(out), { recursive: true });
rmSync(out, { force: true });
const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
const vsceArgs = ['package', '--no-dependencies', '--out', out, '--allow-missing-repository', '--no-rewrite-relative-links'];
if (!existsSync(join(stage, 'LICENSE'))) vsceArgs.push('--skip-license');
if (target !== 'universal') vsceArgs.push('--target', target);
run(process.execPath, [vsce, ...vsceArgs], stage);

const megabytes = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
console.log(`package: ${relative(process.cwd(), out) || out} (${target}) ${megabytes(statSync(out).size)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
