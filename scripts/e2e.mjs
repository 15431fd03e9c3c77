// End-to-end tests in a real VS Code (code-server), outside the default `npm test`.
// Usage: node scripts/e2e.mjs [--install-only] [--skip-build] [--update-screenshots]
// 1. installs code-server 4.100.3 once into ~/.cache/iwl-code-server/4.100.3 (ENVIRONMENT.md's recipe:
//    its ripgrep download and kerberos headers need the apt packages listed in test/e2e/apt-packages.sh),
// 2. builds the project (dev build: the compiled e2e test) and packages the extension as a user gets it
//    (scripts/package.mjs: production bundles, .vsix in out/e2e/), 3. runs dist-test/test/e2e/run.js
//    (Playwright + Debian's chromium), which installs that .vsix into code-server (IWL_VSIX).
// 4. with --update-screenshots, after a passing walk, copies its README crops (test-results/e2e/readme/*.png)
//    into media/screenshots/, which README.md shows.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const codeServerVersion = '4.100.3';
const root = new URL('..', import.meta.url).pathname;
const cacheRoot = process.env.IWL_CODE_SERVER_CACHE ?? join(homedir(), '.cache', 'iwl-code-server');
const home = join(cacheRoot, codeServerVersion);
const entry = join(home, 'package', 'out', 'node', 'entry.js');
const doneMarker = join(home, '.installed');

function sh(command, args, cwd, extraEnv = {}) {
  console.log(`[e2e] ${cwd}$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd, stdio: 'inherit', env: { ...process.env, ...extraEnv } });
  if (result.status !== 0) {
    console.error(`[e2e] failed (exit ${result.status ?? result.signal}): ${command} ${args.join(' ')}`);
    process.exit(1);
  }
}

function which(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
}

function installCodeServer() {
  if (existsSync(doneMarker) && existsSync(entry)) return;
  const missing = ['rg', 'chromium', 'pkg-config'].filter((tool) => !which(tool));
  if (missing.length) {
    console.error(`[e2e] missing tools: ${missing.join(', ')}; install the apt packages with: bash test/e2e/apt-packages.sh`);
    process.exit(1);
  }
  console.log(`[e2e] building code-server ${codeServerVersion} into ${home} (once per machine; a few minutes)`);
  rmSync(home, { recursive: true, force: true });
  mkdirSync(home, { recursive: true });
  const npmEnv = { npm_config_yes: 'true', npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' };
  sh('npm', ['pack', '--silent', `code-server@${codeServerVersion}`], home, npmEnv);
  sh('tar', ['xzf', `code-server-${codeServerVersion}.tgz`], home);
  const vscodeDir = join(home, 'package', 'lib', 'vscode');
  sh('npm', ['install', '--omit=dev', '--ignore-scripts'], vscodeDir, npmEnv);
  const rgDir = join(vscodeDir, 'node_modules', '@vscode', 'ripgrep', 'bin');
  mkdirSync(rgDir, { recursive: true });
  copyFileSync(which('rg'), join(rgDir, 'rg'));
  chmodSync(join(rgDir, 'rg'), 0o755);
  sh('npm', ['rebuild'], vscodeDir, npmEnv);
  rmSync(join(vscodeDir, 'node_modules.asar'), { force: true });
  symlinkSync('node_modules', join(vscodeDir, 'node_modules.asar'));
  sh('npm', ['install', '--omit=dev', '--ignore-scripts'], join(home, 'package'), npmEnv);
  sh('npm', ['rebuild', 'argon2'], join(home, 'package'), npmEnv);
  writeFileSync(doneMarker, new Date().toISOString() + '\n');
}

installCodeServer();
if (process.argv.includes('--install-only')) process.exit(0);
if (!process.argv.includes('--skip-build')) sh('npm', ['run', 'build'], root);
const vsix = join(root, 'out', 'e2e', 'infinite-width-lab.vsix');
sh(process.execPath, [join(root, 'scripts', 'package.mjs'), '--out', vsix, '--stage', join(root, 'out', 'e2e', 'stage')], root);
const run = spawnSync(process.execPath, [join(root, 'dist-test', 'test', 'e2e', 'run.js')], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, IWL_CODE_SERVER_ENTRY: entry, IWL_VSIX: vsix },
});
if (run.status === 0 && process.argv.includes('--update-screenshots')) {
  const from = join(root, 'test-results', 'e2e', 'readme');
  const to = join(root, 'media', 'screenshots');
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from).filter((n) => n.endsWith('.png'))) {
    copyFileSync(join(from, name), join(to, name));
    console.log(`[e2e] ${join('media', 'screenshots', name)} (${Math.round(statSync(join(to, name)).size / 1024)} KB)`);
  }
}
process.exit(run.status ?? 1);
