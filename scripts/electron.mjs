// The @vscode/test-electron integration suite (test/electron/), outside the default `npm test`:
// it downloads a VS Code build, which needs network access to update.code.visualstudio.com.
// Usage: npm run test:electron   (on a Linux machine without a display: xvfb-run -a npm run test:electron)
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
await esbuild.build({
  entryPoints: { suite: join(root, 'test/electron/suite.ts'), runTest: join(root, 'test/electron/runTest.ts') },
  outdir: join(root, 'dist-test', 'electron'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  external: ['vscode', '@vscode/test-electron'],
  logLevel: 'warning',
});
const run = spawnSync(process.execPath, [join(root, 'dist-test', 'electron', 'runTest.js')], { cwd: root, stdio: 'inherit' });
process.exit(run.status ?? 1);
