/**
 * A record file replaced in one step: written next to itself under a temporary name, then renamed
 * over the old one, so a reader (the host, `iwl merge`, another shard) sees the old file or the new
 * one, never half of either. The temporary name carries the process id: two writers never share it.
 */
import { renameSync, writeFileSync } from 'node:fs';

export function writeFileAtomic(path: string, content: string): void {
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, content);
  renameSync(temp, path);
}
