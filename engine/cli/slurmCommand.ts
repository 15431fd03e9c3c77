/**
 * `iwl slurm FILE --shards N [--out RUN_DIR] [--partition P] [--time T] [--gpus G] [--backend B] [--submit]`:
 * writes a Slurm job array for a sharded run (engine/run/shards.ts) into a cluster run folder
 * (engine/contract/shardRecords.ts: slurm.json, slurm.sbatch, shards/<I>/ once the tasks run) and, with
 * --submit, submits it with `sbatch` and prints the array's job id on stdout. The folder must be on
 * a file system the compute nodes share; `iwl merge RUN_DIR` finishes the run once the array ends.
 * Exit codes: 0 written (and submitted), 1 sbatch failed, 2 invalid file or arguments.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomicWrite';
import { basename, dirname, join, resolve } from 'node:path';
import { isBackendName } from '../backend';
import { clusterRunFileName, clusterScriptFileName, shardsFolderName, type ClusterRun } from '../contract/shardRecords';
import { runFolderName } from '../contract/records';
import { IwlError } from '../util/iwlError';
import { CliCommand, ExitCode, parseArgs } from './io';
import { formatDiagnostic, validateFile } from './experimentFile';

const usage = `Usage: iwl slurm FILE --shards N [--out RUN_DIR] [--partition P] [--time T] [--gpus G] [--backend B] [--submit]

Writes RUN_DIR/slurm.sbatch, a Slurm job array of N tasks (#SBATCH --array=0-(N-1)): task I runs
\`iwl run FILE --shard I/N --out RUN_DIR/shards/I\` on as many workers as Slurm gives it CPUs.
RUN_DIR (default .iwl/runs/<file name>/<time> beside FILE, where the extension lists runs) must be
on a file system the compute nodes share, as must FILE and this iwl.
  --partition P   the Slurm partition (#SBATCH --partition)
  --time T        each task's time limit, in Slurm's format (#SBATCH --time, e.g. 1:00:00)
  --gpus G        GPUs per task (#SBATCH --gpus); pick a GPU --backend (tensorflow, webgpu) to use them
  --backend B     the tasks' backend: wasm (default), cpu, tensorflow or webgpu
  --submit        submit it with sbatch and print the array's job id
When the array is done: \`iwl merge RUN_DIR\` (or the extension) merges the shards into the run.`;

export interface SbatchOptions {
  experimentName: string;
  experimentFile: string;
  runDir: string;
  shards: number;
  partition: string | null;
  time: string | null;
  gpus: number | null;
  backend: string;
  /** The command that starts `iwl` on a node: the node executable and the iwl bundle, absolute. */
  iwl: string[];
  /**
   * That executable is Electron (VS Code's own runtime, which the desktop app runs iwl with): the
   * script sets ELECTRON_RUN_AS_NODE=1 itself, so a task behaves as Node whatever environment
   * sbatch passes on (`--export=NONE`, a site's SBATCH_EXPORT, a resubmission from a shell).
   */
  runAsNode: boolean;
}

/** Whether this process is Electron acting as Node, so a command that starts it again needs ELECTRON_RUN_AS_NODE=1. */
export function runsOnElectron(versions: NodeJS.ProcessVersions = process.versions): boolean {
  return typeof versions.electron === 'string';
}

/** A word for bash, single-quoted: nothing in it is expanded. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The sbatch array script: one `iwl run --shard $SLURM_ARRAY_TASK_ID/N` per task, each into its shard folder. */
export function sbatchScript(o: SbatchOptions): string {
  const q = shellQuote;
  const name = `iwl-${o.experimentName.replace(/[^A-Za-z0-9._-]+/g, '_')}`;
  return [
    '#!/bin/bash',
    `# Infinite Width Lab: ${o.shards} shards of ${o.experimentFile}, written by \`iwl slurm\`. Merge with: iwl merge ${q(o.runDir)}`,
    `#SBATCH --job-name=${name}`,
    `#SBATCH --array=0-${o.shards - 1}`,
    `#SBATCH --output=${q(join(o.runDir, 'slurm-%A_%a.out'))}`,
    ...(o.partition ? [`#SBATCH --partition=${o.partition}`] : []),
    ...(o.time ? [`#SBATCH --time=${o.time}`] : []),
    ...(o.gpus ? [`#SBATCH --gpus=${o.gpus}`] : []),
    'set -euo pipefail',
    ...(o.runAsNode ? ['# iwl runs on Electron here (VS Code\'s runtime); this makes it behave as Node rather than open a window.', 'export ELECTRON_RUN_AS_NODE=1'] : []),
    `exec ${o.iwl.map(q).join(' ')} run ${q(o.experimentFile)} --shard "$SLURM_ARRAY_TASK_ID/${o.shards}" \\`,
    `  --out ${q(join(o.runDir, shardsFolderName))}/"$SLURM_ARRAY_TASK_ID" --backend ${q(o.backend)} --workers "\${SLURM_CPUS_PER_TASK:-1}" --quiet`,
    '',
  ].join('\n');
}

/** `sbatch --parsable SCRIPT`: the job id it prints ("123" or "123;cluster"). */
export function submitSbatch(script: string, cwd: string): string {
  const result = spawnSync('sbatch', ['--parsable', script], { cwd, encoding: 'utf8' });
  if (result.error) {
    const missing = (result.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new IwlError('SLURM_FAILED', missing ? 'sbatch is not on PATH (run this on a Slurm login node)' : `sbatch: ${result.error.message}`);
  }
  const jobId = result.stdout.trim().split(';')[0];
  if (result.status !== 0 || !/^\d+$/.test(jobId)) {
    throw new IwlError('SLURM_FAILED', `sbatch refused ${script} (exit ${result.status}): ${(result.stderr || result.stdout).trim()}`);
  }
  return jobId;
}

function writeClusterRun(runDir: string, run: ClusterRun): void {
  const path = join(runDir, clusterRunFileName);
  writeFileAtomic(path, JSON.stringify(run, null, 2) + '\n');
}

export const slurmCommand: CliCommand = {
  name: 'slurm',
  summary: 'write (and submit) a Slurm job array that runs an experiment in shards',
  usage,
  async run(args, io) {
    const parsed = parseArgs(args, { values: ['shards', 'out', 'partition', 'time', 'gpus', 'backend'], switches: ['submit'] });
    const problems = [...parsed.unknown];
    if (parsed.positional.length !== 1) problems.push('expected exactly one experiment FILE');
    const shards = Number(parsed.values.get('shards'));
    if (!parsed.values.has('shards')) problems.push('--shards N is required');
    else if (!Number.isInteger(shards) || shards < 1) problems.push(`--shards must be a whole number of at least 1; got '${parsed.values.get('shards')}'`);
    const gpusText = parsed.values.get('gpus');
    const gpus = gpusText === undefined ? null : Number(gpusText);
    if (gpus !== null && (!Number.isInteger(gpus) || gpus < 0)) problems.push(`--gpus must be a whole number; got '${gpusText}'`);
    const time = parsed.values.get('time') ?? null;
    if (time !== null && !/^[0-9:-]+$/.test(time)) problems.push(`--time must be in Slurm's format (minutes, H:MM:SS or D-HH:MM:SS); got '${time}'`);
    const partition = parsed.values.get('partition') ?? null;
    if (partition !== null && !/^[A-Za-z0-9_.,-]+$/.test(partition)) problems.push(`--partition must be a partition name; got '${partition}'`);
    const backend = parsed.values.get('backend') ?? 'wasm';
    if (!isBackendName(backend)) problems.push(`--backend must be one of wasm, cpu, tensorflow, webgpu; got '${backend}'`);
    if (problems.length) {
      io.stderr.write(problems.map((p) => `iwl slurm: ${p}`).join('\n') + `\n\n${usage}\n`);
      return ExitCode.invalid;
    }
    const displayPath = parsed.positional[0];
    const file = resolve(io.cwd, displayPath);
    const loaded = validateFile(displayPath, io.cwd);
    for (const d of loaded.diagnostics) io.stderr.write(formatDiagnostic(displayPath, d) + '\n');
    if (!loaded.experiment) return ExitCode.invalid;

    const runDir = parsed.values.has('out')
      ? resolve(io.cwd, parsed.values.get('out')!)
      : join(dirname(file), '.iwl', 'runs', basename(file), runFolderName(new Date()));
    mkdirSync(runDir, { recursive: true });
    const script = join(runDir, clusterScriptFileName);
    const text = sbatchScript({
      experimentName: loaded.experiment.name,
      experimentFile: file,
      runDir,
      shards,
      partition,
      time,
      gpus,
      backend,
      iwl: [process.execPath, __filename],
      runAsNode: runsOnElectron(),
    });
    writeFileSync(script, text, { mode: 0o755 });
    const run: ClusterRun = {
      formatVersion: 1,
      experiment: loaded.experiment.name,
      experimentFile: file,
      shards,
      script: clusterScriptFileName,
      jobId: null,
      submittedAt: null,
      partition,
      time,
      gpus,
    };
    writeClusterRun(runDir, run);
    if (!parsed.switches.has('submit')) {
      io.stderr.write(`iwl slurm: wrote ${script} (${shards} tasks); submit it with: sbatch ${shellQuote(script)}\n`);
      io.stdout.write(script + '\n');
      return ExitCode.ok;
    }
    const jobId = submitSbatch(script, runDir);
    writeClusterRun(runDir, { ...run, jobId, submittedAt: new Date().toISOString() });
    io.stderr.write(`iwl slurm: submitted job array ${jobId} (${shards} tasks); results in ${runDir}; merge when done: iwl merge ${shellQuote(runDir)}\n`);
    io.stdout.write(jobId + '\n');
    return ExitCode.ok;
  },
};
