/**
 * Downloads VS Code (once, into .vscode-test/) and runs test/electron/suite.ts in it with this
 * folder as the extension under development. Needs the network to reach update.code.visualstudio.com
 * and, on Linux, a display (xvfb-run) and VS Code's shared libraries. VS Code version: IWL_VSCODE_VERSION
 * (default 'stable').
 */
import { runTests } from '@vscode/test-electron';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { tinyExperimentText } from '../fixtures/tinyExperiment';
import { errorMessage } from '../../engine/contract/errors';

export const tinyExperiment = tinyExperimentText({ name: 'electron-tiny' });

async function main(): Promise<void> {
  const repoRoot = resolve(__dirname, '..', '..');
  const workspace = mkdtempSync(join(tmpdir(), 'iwl-electron-'));
  mkdirSync(workspace, { recursive: true });
  writeFileSync(join(workspace, 'tiny.iwl.yaml'), tinyExperiment);
  writeFileSync(join(workspace, 'broken.iwl.yaml'), tinyExperiment.replace('loss: mse', 'loss: mse\nlearningrate: 3'));
  await runTests({
    version: process.env.IWL_VSCODE_VERSION ?? 'stable',
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: join(__dirname, 'suite.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
  });
}

main().catch((error) => {
  console.error(`test:electron failed: ${errorMessage(error)}`);
  console.error('It needs to download VS Code (network) and, on Linux, a display: run it as `xvfb-run -a npm run test:electron`.');
  process.exit(1);
});
