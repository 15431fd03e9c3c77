/**
 * What the extension leaves on disk (`<workspace>/.iwl/runs/<file>/<start time>/summary.json`) and
 * the engine process it forks, seen from outside code-server.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RunOnDisk {
  dir: string;
  summary: { status: string; error?: string; runs: { id: string; status: string; final: { trainLoss: number; testLoss: number } | null }[] } | null;
}

/** Every run folder of one experiment file, oldest first; summary null while it is missing or being rewritten. */
export function runsOf(workspace: string, file: string): RunOnDisk[] {
  const root = join(workspace, '.iwl', 'runs', file);
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .sort()
    .map((name) => {
      const dir = join(root, name);
      const path = join(dir, 'summary.json');
      try {
        return { dir, summary: existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : null };
      } catch {
        return { dir, summary: null };
      }
    });
}

/** The run of `file` that is not among `before` (the folders that existed before the click), once it exists. */
export function newRun(workspace: string, file: string, before: Set<string>): RunOnDisk | null {
  return runsOf(workspace, file).find((r) => !before.has(r.dir)) ?? null;
}

/** The same run, once its summary.json says it ended (any status but running). */
export function endedRun(workspace: string, file: string, before: Set<string>): RunOnDisk | null {
  const run = newRun(workspace, file, before);
  return run?.summary && run.summary.status !== 'running' ? run : null;
}

export function runDirs(workspace: string, file: string): Set<string> {
  return new Set(runsOf(workspace, file).map((r) => r.dir));
}

/**
 * The engine processes the installed extension forked: `<node> <extensionsDir>/<publisher.name-version>/dist/engine.js`,
 * children of code-server's extension host. Matched on the temporary extensions folder, so no
 * other VS Code on the machine can match.
 */
export function enginePids(extensionsDir: string): number[] {
  // On a loaded machine the spawn itself can fail for a moment (no exit status): one more try.
  let ps = spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  if (ps.status === null) ps = spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  if (ps.status !== 0) throw new Error(`ps failed: ${ps.error?.message ?? ps.stderr ?? `killed by ${ps.signal}`}`);
  return ps.stdout
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => !!m && m[2].includes(extensionsDir) && m[2].includes(join('dist', 'engine.js')))
    .map((m) => Number(m[1]));
}
