import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runIwl } from '../../helpers';
import { readClusterRun } from '../../../engine/contract/shardRecords';
import { timeOfFolderName } from '../../../engine/contract/records';
import { runsOnElectron, sbatchScript, shellQuote } from '../../../engine/cli/slurmCommand';
import { shardedExperimentFile } from '../../fixtures/shardedRuns';

test('iwl slurm writes an sbatch array of N shard tasks into the run folder, with the options asked for', () => {
  const { dir, file } = shardedExperimentFile();
  const out = join(dir, "cluster run's folder");
  const r = runIwl(['slurm', file, '--shards', '4', '--out', out, '--partition', 'gpu', '--time', '1:30:00', '--gpus', '1', '--backend', 'webgpu']);
  assert.equal(r.status, 0, r.stderr);
  const script = readFileSync(join(out, 'slurm.sbatch'), 'utf8');
  assert.equal(r.stdout.trim(), join(out, 'slurm.sbatch'));
  for (const line of ['#SBATCH --array=0-3', '#SBATCH --partition=gpu', '#SBATCH --time=1:30:00', '#SBATCH --gpus=1']) assert.ok(script.split('\n').includes(line), `${line} in\n${script}`);
  assert.match(script, /run .*sharded\.iwl\.yaml --shard "\$SLURM_ARRAY_TASK_ID\/4"/);
  assert.match(script, /--backend webgpu/);
  assert.equal(spawnSync('bash', ['-n', join(out, 'slurm.sbatch')]).status, 0, 'bash reads the script');
  // The quoting survives a folder name with a space and a quote: bash expands the --out word back to it.
  const outWord = /--out (.*)\/"\$SLURM_ARRAY_TASK_ID"/.exec(script)![1];
  assert.equal(spawnSync('bash', ['-c', `printf %s ${outWord}`], { encoding: 'utf8' }).stdout, join(out, 'shards'));
  const run = readClusterRun(JSON.parse(readFileSync(join(out, 'slurm.json'), 'utf8')));
  assert.deepEqual([run.shards, run.jobId, run.partition, run.time, run.gpus, run.experimentFile], [4, null, 'gpu', '1:30:00', 1, file]);
});

test('without --out, iwl slurm writes into a run folder named as the host names its runs (.iwl/runs/<file>/<start time>)', () => {
  const { dir, file } = shardedExperimentFile();
  const before = Math.floor(Date.now() / 1000) * 1000;
  const r = runIwl(['slurm', file, '--shards', '2']);
  assert.equal(r.status, 0, r.stderr);
  const runs = readdirSync(join(dir, '.iwl', 'runs', 'sharded.iwl.yaml'));
  assert.equal(runs.length, 1, runs.join(', '));
  assert.match(runs[0], /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z$/);
  const started = timeOfFolderName(runs[0])!.getTime();
  assert.ok(started >= before && started <= Date.now(), `${runs[0]} is the time iwl slurm ran`);
  assert.equal(r.stdout.trim(), join(dir, '.iwl', 'runs', 'sharded.iwl.yaml', runs[0], 'slurm.sbatch'));
});

test('iwl slurm refuses bad options with the reason, and says so when sbatch is not on PATH', () => {
  const { dir, file } = shardedExperimentFile();
  const bad = runIwl(['slurm', file, '--shards', '0', '--time', 'soon']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--shards must be a whole number of at least 1; got '0'/);
  assert.match(bad.stderr, /--time must be in Slurm's format/);
  const noSbatch = runIwl(['slurm', file, '--shards', '2', '--out', join(dir, 'c'), '--submit'], { env: { PATH: join(dir, 'empty') } });
  assert.equal(noSbatch.status, 1);
  assert.match(noSbatch.stderr, /sbatch is not on PATH/);
  assert.doesNotMatch(noSbatch.stderr, /at .*\.js:\d+/, 'no stack trace');
});

test('sbatchScript leaves out the options not given and quotes what bash would expand', () => {
  const script = sbatchScript({ experimentName: 'a b', experimentFile: '/x/$HOME.iwl.yaml', runDir: '/r', shards: 1, partition: null, time: null, gpus: null, backend: 'wasm', iwl: ['/usr/bin/node', '/d/iwl.js'], runAsNode: false });
  assert.doesNotMatch(script, /--partition|--time|--gpus/);
  assert.match(script, /#SBATCH --array=0-0\n/);
  assert.match(script, /#SBATCH --job-name=iwl-a_b\n/);
  assert.match(script, /run '\/x\/\$HOME\.iwl\.yaml'/);
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
});

test('iwl slurm from VS Code desktop (Electron as Node): the script makes each task Node itself, whatever sbatch passes on', () => {
  assert.equal(runsOnElectron({ ...process.versions, electron: '32.2.6' }), true);
  assert.equal(runsOnElectron(process.versions), typeof process.versions.electron === 'string');
  const { dir, file } = shardedExperimentFile();
  // An executable that, like Electron, is Node only with ELECTRON_RUN_AS_NODE=1 and otherwise would start the app.
  const electron = join(dir, 'Code Helper (Plugin)');
  writeFileSync(electron, `#!/bin/bash\nif [ "\${ELECTRON_RUN_AS_NODE:-}" != 1 ]; then echo "started as the app, not as Node" >&2; exit 9; fi\nexec ${shellQuote(process.execPath)} "$@"\n`, { mode: 0o755 });
  const task = (runAsNode: boolean) => {
    const runDir = join(dir, runAsNode ? 'as-node' : 'as-app');
    const script = join(dir, `${runAsNode}.sbatch`);
    writeFileSync(script, sbatchScript({ experimentName: 'sharded', experimentFile: file, runDir, shards: 2, partition: null, time: null, gpus: null, backend: 'cpu', iwl: [electron, join(repoRoot, 'dist', 'iwl.js')], runAsNode }));
    // A task's environment as under sbatch --export=NONE: none of the submitting host's variables.
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, SLURM_ARRAY_TASK_ID: '1' };
    return { r: spawnSync('bash', [script], { env, encoding: 'utf8', timeout: 120_000 }), shard: join(runDir, 'shards', '1') };
  };
  const app = task(false);
  assert.equal(app.r.status, 9, 'without the export the stand-in starts as the app');
  const node = task(true);
  assert.equal(node.r.status, 0, node.r.stderr);
  assert.ok(existsSync(join(node.shard, 'summary.json')), `shard 1 of 2 written to ${node.shard}`);
});
