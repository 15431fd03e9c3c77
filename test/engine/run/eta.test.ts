/**
 * The ETA on recorded runs: each job's recorded duration is replayed (its steps spread evenly over
 * it, jobs one after another as they ran), and at 30% and 70% of the run's true duration the ETA
 * from cost-weighted work (jobCost.ts + RunEta) is compared with the truth and with what the
 * progress line showed before: the rate of steps so far, extrapolated over the steps left, which
 * counts a cheap kernel job's step like a width-512 network's (issue 13: "9.5 s left at 29%, the
 * run took 3 min 10 s").
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../helpers';
import { validateExperiment } from '../../../engine/experiment/validate';
import { nodeValidationHost } from '../../../engine/experiment/validationHost';
import { planExperiment } from '../../../engine/run/plan';
import { planCosts, type CostShape } from '../../../engine/run/jobCost';
import { RunEta } from '../../../engine/contract/eta';
import { estimateRemaining } from '../../../engine/cli/progress';
import type { Experiment } from '../../../engine/experiment/experimentTypes';

interface Recording {
  name: string;
  experimentFile: string;
  /**
   * far: jobs of very unequal cost (widths 64-512 on 200 MNIST digits): the ETA's error must be under
   * a third of the step count's. even: jobs that cost about the same (tiny networks, where a step's
   * fixed dispatch cost dominates): counting steps is already close, and the ETA must not be worse.
   */
  claim: 'far' | 'even';
  /** Seconds each job took, by job id. */
  seconds: Record<string, number>;
}

function recordings(): Recording[] {
  const quickstart = JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/recorded/timing/quickstart.json'), 'utf8')) as { experimentFile: string; jobs: Record<string, number> };
  const sweep = JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/recorded/sweep/summary.json'), 'utf8')) as { runs: { id: string; seconds: number }[] };
  return [
    { name: 'quickstart (MNIST, widths 64-512 next to ntk, nngp, gp)', claim: 'far', experimentFile: quickstart.experimentFile, seconds: quickstart.jobs },
    {
      name: 'the recorded panel sweep (sgd, readout, adam at widths 16-1024 on 96 points, four limits)',
      claim: 'even',
      experimentFile: 'test/fixtures/recorded/sweep.iwl.yaml',
      seconds: Object.fromEntries(sweep.runs.map((r) => [r.id, r.seconds])),
    },
  ];
}

function shapeOf(experiment: Experiment): CostShape {
  const d = experiment.data;
  if (d.source === 'mnist') return { train: d.train, test: d.test, inputDim: 784, outputs: d.classes?.length ?? 10 };
  if (d.source === 'synthetic') return { train: d.train, test: d.test, inputDim: d.inputDim, outputs: d.outputs };
  throw new Error('test setup: csv data has no fixed shape here');
}

interface Sample {
  t: number;
  truth: number;
  eta: number | null;
  steps: number | null;
}

/** Replays the recording: a progress event every 1/20 of each job, as the engine sends them. */
function replay(rec: Recording): { total: number; samples: Sample[] } {
  const filePath = join(repoRoot, rec.experimentFile);
  const { experiment, diagnostics } = validateExperiment(readFileSync(filePath, 'utf8'), { filePath, host: nodeValidationHost() });
  assert.ok(experiment, JSON.stringify(diagnostics));
  const plan = planExperiment(experiment);
  const costs = planCosts(plan, experiment, shapeOf(experiment));
  const totalWork = [...costs.values()].reduce((a, b) => a + b, 0);
  const total = plan.jobs.reduce((sum, job) => sum + rec.seconds[job.id], 0);
  assert.equal(plan.jobs.filter((j) => rec.seconds[j.id] === undefined).length, 0, 'every planned job has a recorded duration');
  const eta = new RunEta();
  const samples: Sample[] = [];
  let t = 0;
  let doneWork = 0;
  let doneSteps = 0;
  for (const job of plan.jobs) {
    const parts = 20;
    for (let i = 1; i <= parts; i++) {
      t += rec.seconds[job.id] / parts;
      doneWork += costs.get(job.id)! / parts;
      doneSteps += job.model.steps / parts;
      samples.push({ t, truth: total - t, eta: eta.remaining(doneWork, totalWork, t), steps: estimateRemaining(doneSteps, plan.totalSteps, t) });
    }
  }
  return { total, samples };
}

describe('the ETA on recorded runs with jobs of unequal cost', () => {
  for (const rec of recordings()) {
    test(rec.name, () => {
      const { total, samples } = replay(rec);
      const report: string[] = [];
      for (const at of [0.3, 0.7]) {
        const s = samples.find((x) => x.t >= at * total)!;
        const costError = Math.abs(s.eta! - s.truth) / total;
        const stepError = Math.abs(s.steps! - s.truth) / total;
        report.push(`${at * 100}%: truth ${s.truth.toFixed(1)} s, ETA ${s.eta!.toFixed(1)} s (error ${(costError * 100).toFixed(0)}% of the run), by steps ${s.steps!.toFixed(1)} s (${(stepError * 100).toFixed(0)}%)`);
        if (rec.claim === 'far') assert.ok(costError < stepError / 3, report.join('\n'));
        else assert.ok(costError <= stepError + 0.05, report.join('\n'));
        // Good enough to plan by: within a fifth of the run's length.
        assert.ok(costError < 0.2, report.join('\n'));
      }
      // Monotone enough to trust: after the first tenth, the ETA never rises by more than a tenth of the run.
      let worstRise = 0;
      const later = samples.filter((s) => s.t > 0.1 * total);
      for (let i = 1; i < later.length; i++) worstRise = Math.max(worstRise, (later[i].eta! - later[i - 1].eta!) / total);
      assert.ok(worstRise < 0.1, `the ETA rose by ${(worstRise * 100).toFixed(0)}% of the run at once\n${report.join('\n')}`);
      console.log(`${rec.name}: ${total.toFixed(1)} s; ${report.join('; ')}; worst rise ${(worstRise * 100).toFixed(1)}% of the run`);
    });
  }

  test('no ETA before any work is done, none left when all is', () => {
    const eta = new RunEta();
    assert.equal(eta.remaining(0, 100, 5), null);
    assert.equal(eta.remaining(100, 100, 5), 0);
  });
});
