/** Small helpers shared by the tests: where the repository is, and running the built `iwl` CLI. */
import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isExperimentFile } from '../extension/experimentFiles';

/** The repository root: the nearest folder above this file that holds package.json. */
export const repoRoot: string = (() => {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = parent;
  }
  return dir;
})();

/** Runs `node bin/iwl.js ...args` and returns its exit code and output. */
export function runIwl(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): SpawnSyncReturns<string> & { status: number | null } {
  return spawnSync(process.execPath, [join(repoRoot, 'bin', 'iwl.js'), ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
  });
}

/** A fresh temporary folder for one test. */
export function tempDir(prefix = 'iwl-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Resolves once `condition` holds, checking every 10 ms: for waiting on an event the code under test
 * announces (a log line, a file), never on the clock. Rejects after `limitMs` with `what`.
 */
export async function until(condition: () => boolean, what = 'condition', limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`until: ${what} did not hold within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Whether a process with this id is still there (signal 0 checks without signalling). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The experiment files in `dir` (examples/, a workspace), by the host's one suffix rule, in directory order. */
export function experimentFilesIn(dir: string): string[] {
  return readdirSync(dir).filter(isExperimentFile);
}
