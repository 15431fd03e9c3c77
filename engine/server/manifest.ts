/**
 * Writes manifest.json: what a run folder made by the engine process holds beside the RunOutput
 * files (metrics.jsonl, summary.json, predictions/, the experiment copy): how to reproduce the run.
 * Written once, when the run starts; the record (RunManifest) and its reader are
 * engine/contract/records.ts, which the VS Code run store reads it with.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { manifestFileName, type RunManifest } from '../contract/records';

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
