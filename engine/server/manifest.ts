/**
 * manifest.json: what a run folder made by the engine process holds beside the RunOutput files
 * (metrics.jsonl, summary.json, predictions/, the experiment copy): how to reproduce the run.
 * Written once, when the run starts; the VS Code run store reads it.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const manifestFileName = 'manifest.json';

export interface RunManifest {
  formatVersion: 1;
  runId: string;
  /** The experiment's `name`. */
  experiment: string;
  /** Absolute path of the experiment file when the run started. */
  experimentFile: string;
  /** The path as the user sees it (workspace-relative), else the absolute path. */
  experimentPath: string;
  seed: number;
  startedAt: string;
  onlyModels: string[] | null;
  backend: { name: string; detail: string };
  versions: Record<string, string>;
  /** `git rev-parse HEAD` in the experiment's folder; null outside a repository or without git. */
  gitCommit: string | null;
  /** True when the experiment file differs from the committed version (null without git). */
  gitDirty: boolean | null;
}

/** The commit checked out in `folder`'s repository, and whether the file has uncommitted changes. */
export function gitState(folder: string, file: string): { commit: string | null; dirty: boolean | null } {
  const git = (args: string[]) => {
    try {
      const result = spawnSync('git', args, { cwd: folder, encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] });
      return result.status === 0 ? result.stdout.trim() : null;
    } catch {
      return null;
    }
  };
  const commit = git(['rev-parse', 'HEAD']);
  if (!commit || !/^[0-9a-f]{7,64}$/.test(commit)) return { commit: null, dirty: null };
  const status = git(['status', '--porcelain', '--', file]);
  return { commit, dirty: status === null ? null : status !== '' };
}

export function writeManifest(dir: string, manifest: RunManifest): void {
  writeFileSync(join(dir, manifestFileName), JSON.stringify(manifest, null, 2) + '\n');
}
