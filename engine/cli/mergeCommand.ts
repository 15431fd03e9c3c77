/**
 * `iwl merge DIR... --out RUN_DIR [--running]`: joins the shard folders of one sharded run
 * (`iwl run --shard I/N`, or the tasks of `iwl slurm`) into one run folder, the one an unsharded
 * run writes (engine/run/mergeShards.ts). Exit codes: 0 the whole run completed, 1 jobs missing or
 * failed (named on stderr and in summary.json), 2 invalid arguments or folders of different runs.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { clusterRunFileName } from '../contract/shardRecords';
import { IwlError } from '../util/iwlError';
import { planMerge, readShardFolder, shardFolderPaths, writeMerge } from '../run/mergeShards';
import { CliCommand, ExitCode, parseArgs } from './io';

const usage = `Usage: iwl merge DIR... --out RUN_DIR [--running]

Merges the shard folders DIR... of one sharded run (\`iwl run FILE --shard I/N --out DIR\`) into
RUN_DIR: the summary.json, metrics.jsonl and predictions/ an unsharded run writes, in plan order.
A DIR may also be a cluster run folder (\`iwl slurm\`): its shards' folders; RUN_DIR then defaults to it.
Jobs of a shard that is absent, never started or did not finish are listed in summary.json's
missingJobs and on stderr, and the merged run is failed (exit 1).
--running: the shards are still running: merge what has landed so far (status running).`;

export const mergeCommand: CliCommand = {
  name: 'merge',
  summary: 'merge the shard folders of a sharded run into one run folder',
  usage,
  async run(args, io) {
    const parsed = parseArgs(args, { values: ['out'], switches: ['running'] });
    const dirs = parsed.positional.map((d) => resolve(io.cwd, d));
    const clusterDir = dirs.length === 1 && existsSync(join(dirs[0], clusterRunFileName)) ? dirs[0] : null;
    const problems = [...parsed.unknown];
    if (dirs.length === 0) problems.push('expected at least one shard folder DIR');
    if (!parsed.values.has('out') && !clusterDir) problems.push('--out RUN_DIR is required (unless DIR is one cluster run folder)');
    if (problems.length) {
      io.stderr.write(problems.map((p) => `iwl merge: ${p}`).join('\n') + `\n\n${usage}\n`);
      return ExitCode.invalid;
    }
    const outDir = parsed.values.has('out') ? resolve(io.cwd, parsed.values.get('out')!) : clusterDir!;
    const running = parsed.switches.has('running');
    let merged;
    try {
      merged = planMerge(shardFolderPaths(dirs).map(readShardFolder), { running });
    } catch (error) {
      if (!(error instanceof IwlError) || error.code !== 'SHARD_MISMATCH') throw error;
      io.stderr.write(`iwl merge: ${error.message}\n`);
      return ExitCode.invalid;
    }
    writeMerge(merged, outDir);
    const { summary } = merged;
    const jobs = summary.runs.length + (summary.missingJobs?.length ?? 0);
    for (const problem of merged.problems) io.stderr.write(`iwl merge: ${problem}\n`);
    if (summary.missingJobs?.length) io.stderr.write(`iwl merge: ${summary.missingJobs.length} of ${jobs} jobs missing: ${summary.missingJobs.join(', ')}\n`);
    io.stderr.write(`iwl merge: ${summary.status}, ${summary.runs.length} of ${jobs} jobs; results in ${outDir}\n`);
    return summary.status === 'completed' || (running && summary.status === 'running') ? ExitCode.ok : ExitCode.failed;
  },
};
