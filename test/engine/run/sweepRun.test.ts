/**
 * Issue 12 end to end through the CLI: a swept experiment with a validation split runs every
 * point, summary.json gives each job its point and each model its best point, `iwl validate` says
 * what the sweep costs, and `iwl table` prints the run.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runIwl, tempDir } from '../../helpers';
import { readMetricsJsonl, readRunSummary, type RunSummary } from '../../../engine/contract/records';

/** Regression on a teacher: finite SGD and its NTK, each at two rates, at two input scales; 30 of 40 points train. */
function sweptExperiment(options: { validation?: string; select?: string } = {}): string {
  return `name: swept
seed: 1
data: { source: synthetic, kind: teacher, inputDim: 4, train: 40, test: 16, outputs: 1${options.validation ?? ', validation: 0.25'} }
network:
  layers:
    - dense: { width: 32, wStd: 1.4 }
    - relu
    - dense: {}
training: { steps: 30, learningRate: 0.5, batchSize: full, logEvery: 10 }
${options.select ?? 'select: { metric: validationLoss }'}
sweep:
  network.layers[0].dense.wStd: [1.0, 1.5]
models:
  sgd: { kind: finite, widths: [32], seeds: 2, optimizer: sgd, sweep: { learningRate: [0.05, 0.5] } }
  ntk: { kind: infinite, method: ntk, optimizer: sgd, sweep: { learningRate: [0.05, 0.5] } }
`;
}

function runIn(text: string, extra: string[] = []): { dir: string; out: string; status: number | null; stderr: string } {
  const dir = tempDir();
  writeFileSync(join(dir, 'swept.iwl.yaml'), text);
  const out = join(dir, 'out');
  const r = runIwl(['run', 'swept.iwl.yaml', '--out', out, '--quiet', ...extra], { cwd: dir });
  return { dir, out, status: r.status, stderr: r.stderr };
}

const summaryOf = (out: string): RunSummary => readRunSummary(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')));

describe('a sweep with a validation split, through iwl run', () => {
  const run = runIn(sweptExperiment(), ['--workers', '2']);

  test('every point runs; ids and summary points name it; finite jobs pair with the limit at their point', () => {
    assert.equal(run.status, 0, run.stderr);
    const summary = summaryOf(run.out);
    assert.equal(summary.runs.length, 2 * 2 * (2 + 1));
    const sgd = summary.runs.find((r) => r.id === 'sgd/wStd=1.5/lr=0.05/w32/s1')!;
    assert.ok(sgd, summary.runs.map((r) => r.id).join(' '));
    assert.deepEqual(sgd.point, { 'network.layers[0].dense.wStd': 1.5, learningRate: 0.05 });
    assert.equal(sgd.limit, 'ntk/wStd=1.5/lr=0.05');
    assert.ok(summary.runs.every((r) => r.status === 'completed' && r.final && typeof r.final.validationLoss === 'number'));
    // Validation points are not training points: 10 of the 40 are held out, the test set stays whole.
    assert.equal(summary.data!.train, 30);
    assert.equal(summary.data!.test, 16);
    // The faster rate trains further in 30 steps: lower train loss at every wStd, for both models.
    for (const model of ['sgd', 'ntk']) {
      for (const wStd of [1, 1.5]) {
        const at = (lr: number) => summary.runs.filter((r) => r.model === model && r.point!['network.layers[0].dense.wStd'] === wStd && r.point!.learningRate === lr);
        assert.ok(at(0.5)[0].final!.trainLoss < at(0.05)[0].final!.trainLoss, `${model} wStd ${wStd}`);
      }
    }
  });

  test('summary.best: each model\'s lowest validation loss, seeds averaged, naming its jobs', () => {
    const summary = summaryOf(run.out);
    assert.deepEqual(Object.keys(summary.best ?? {}).sort(), ['ntk', 'sgd']);
    for (const [model, best] of Object.entries(summary.best!)) {
      assert.equal(best.metric, 'validationLoss');
      const byPoint = new Map<string, number[]>();
      for (const r of summary.runs.filter((x) => x.model === model)) {
        const key = JSON.stringify(r.point);
        byPoint.set(key, [...(byPoint.get(key) ?? []), r.final!.validationLoss!]);
      }
      const means = [...byPoint.entries()].map(([k, v]) => [k, v.reduce((a, b) => a + b, 0) / v.length] as const);
      const lowest = means.reduce((a, b) => (b[1] < a[1] ? b : a));
      assert.equal(JSON.stringify(best.point), lowest[0]);
      assert.ok(Math.abs(best.value - lowest[1]) < 1e-12);
      assert.equal(best.jobs.length, model === 'sgd' ? 2 : 1);
    }
  });

  test('metrics lines carry validation loss at every logged step', () => {
    const lines = readMetricsJsonl(readFileSync(join(run.out, 'metrics.jsonl'), 'utf8'));
    assert.equal(lines.length, 12 * 4);
    assert.ok(lines.every((l) => typeof l.validationLoss === 'number' && l.validationAccuracy === undefined));
  });

  test('iwl table prints a row per job with the swept settings as columns (md, csv, json, per point)', () => {
    const md = runIwl(['table', run.out]);
    assert.equal(md.status, 0, md.stderr);
    const mdLines = md.stdout.trimEnd().split('\n');
    assert.equal(mdLines.length, 2 + 12);
    assert.match(mdLines[0], /^\| id \| model \| kind \| optimizer \| width \| seed \| status \| best \| network\.layers\[0\]\.dense\.wStd \| learningRate \| trainLoss \| testLoss \| validationLoss \| rmseToLimit \|$/);
    assert.ok(mdLines.some((l) => /^\| sgd\/wStd=1\.5\/lr=0\.05\/w32\/s1 \| sgd \| finite \| sgd \| 32 \| 1 \| completed \| (true)? \| 1\.5 \| 0\.05 \|/.test(l)), md.stdout);
    // The best column marks exactly the jobs summary.json's best names, model by model.
    const marked = mdLines.slice(2).filter((l) => l.split(' | ')[7] === 'true').map((l) => l.slice(2).split(' | ')[0]).sort();
    assert.deepEqual(marked, Object.values(summaryOf(run.out).best!).flatMap((b) => b.jobs).sort());
    const csv = runIwl(['table', run.out, '--format', 'csv']);
    const rows = csv.stdout.trimEnd().split('\n').map((l) => l.split(','));
    const header = rows[0];
    const summary = summaryOf(run.out);
    const row = rows.find((r) => r[0] === 'ntk/wStd=1/lr=0.5')!;
    assert.equal(Number(row[header.indexOf('testLoss')]), summary.runs.find((r) => r.id === 'ntk/wStd=1/lr=0.5')!.final!.testLoss, 'csv keeps full precision');
    const perPoint = JSON.parse(runIwl(['table', run.out, '--format', 'json', '--per-point']).stdout);
    assert.equal(perPoint.rows.length, 8, 'two models x four points');
    const sgdRow = perPoint.rows.find((r: Record<string, unknown>) => r.model === 'sgd' && r.learningRate === 0.5 && r['network.layers[0].dense.wStd'] === 1);
    const seeds = summary.runs.filter((r) => r.model === 'sgd' && r.point!.learningRate === 0.5 && r.point!['network.layers[0].dense.wStd'] === 1);
    assert.equal(sgdRow.jobs, 2);
    const bestRows = perPoint.rows.filter((r: Record<string, unknown>) => r.best === true);
    assert.deepEqual(bestRows.map((r: Record<string, unknown>) => r.model).sort(), ['ntk', 'sgd'], 'one best point row per model');
    assert.ok(Math.abs(sgdRow.testLoss - (seeds[0].final!.testLoss + seeds[1].final!.testLoss) / 2) < 1e-12);
  });

  test('iwl table: a folder without a run, a bad format: exit 2 with a message', () => {
    const empty = runIwl(['table', tempDir()]);
    assert.equal(empty.status, 2);
    assert.match(empty.stderr, /no summary\.json in .* \(is it the --out folder of iwl run\?\)/);
    const bad = runIwl(['table', run.out, '--format', 'xlsx']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--format must be one of md, csv, json; got 'xlsx'/);
  });

  test('the same run on one process gives the same numbers', () => {
    const one = runIn(sweptExperiment(), ['--workers', '1']);
    assert.equal(one.status, 0, one.stderr);
    const a = summaryOf(run.out).runs.map((r) => [r.id, r.final!.testLoss, r.final!.validationLoss]);
    const b = summaryOf(one.out).runs.map((r) => [r.id, r.final!.testLoss, r.final!.validationLoss]);
    assert.deepEqual(b, a);
  });
});

describe('iwl validate on sweeps and selection', () => {
  test('a sweep: how many jobs and what they cost', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'swept.iwl.yaml'), sweptExperiment());
    const r = runIwl(['validate', 'swept.iwl.yaml'], { cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /swept\.iwl\.yaml: valid \(2 models\)\nswept\.iwl\.yaml: sweep: 12 jobs at 4 sweep points, about .+ of compute, up to .+ per job\n/);
  });

  test('select without data.validation is a located error; without select no best is claimed', () => {
    const dir = tempDir();
    const text = sweptExperiment({ validation: '' });
    writeFileSync(join(dir, 'noval.iwl.yaml'), text);
    const r = runIwl(['validate', 'noval.iwl.yaml'], { cwd: dir });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^noval\.iwl\.yaml:10:1: error select-needs-validation: select: choosing a best point by validationLoss needs a validation split/);
    const plain = runIn(sweptExperiment({ select: '' }));
    assert.equal(plain.status, 0, plain.stderr);
    assert.equal(summaryOf(plain.out).best, undefined);
    const table = runIwl(['table', plain.out, '--format', 'csv']);
    assert.equal(table.status, 0, table.stderr);
    assert.ok(!table.stdout.split('\n')[0].split(',').includes('best'), `no best column without select:\n${table.stdout}`);
  });

  test('validationAccuracy on regression data is a located error', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'acc.iwl.yaml'), sweptExperiment({ select: 'select: { metric: validationAccuracy }' }));
    const r = runIwl(['validate', 'acc.iwl.yaml'], { cwd: dir });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /acc\.iwl\.yaml:10:19: error select-needs-classes: select\.metric: validationAccuracy needs class labels/);
  });
});
