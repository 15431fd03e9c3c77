/** Sweeps (issue 12): the grid a file's `sweep` keys make, its job ids, and problems located where the sweep says them. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { baseYaml, positionOf, show, validateIn, where } from './experimentHelpers';
import { parsePath, shortLabels } from '../../../engine/experiment/sweep';
import { planExperiment } from '../../../engine/run/plan';
import { experimentEstimate, estimateText } from '../../../engine/experiment/estimate';
import { formatDuration } from '../../../engine/contract/durations';

const withSweep = (top: string, models = '  f: { kind: finite, widths: [16], seeds: 2 }\n  n: { kind: infinite, method: ntk }\n') =>
  baseYaml.replace(/models:\n[\s\S]*$/, `${top}models:\n${models}`);

describe('sweep: the grid', () => {
  test('a top-level sweep multiplies every model; ids name the point; the first point is the experiment itself', () => {
    const text = withSweep('sweep:\n  training.learningRate: [0.5, 2]\n  network.layers[0].dense.wStd: [1.0, 1.5]\n');
    const r = validateIn(text);
    assert.ok(r.experiment, show(r.diagnostics));
    const sweep = r.experiment.sweep!;
    assert.deepEqual(sweep.axes.map((a) => [a.path, a.label, a.values]), [
      ['training.learningRate', 'lr', [0.5, 2]],
      ['network.layers[0].dense.wStd', 'wStd', [1, 1.5]],
    ]);
    assert.equal(sweep.variants.length, 4);
    assert.deepEqual(sweep.variants.map((v) => [v.experiment.training.learningRate, (v.experiment.network.layers[0] as { wStd: number }).wStd]), [[0.5, 1], [0.5, 1.5], [2, 1], [2, 1.5]]);
    // The models of a point take its rate (they do not override it).
    assert.deepEqual(sweep.variants.map((v) => v.experiment.models.map((m) => m.learningRate)), [[0.5, 0.5], [0.5, 0.5], [2, 2], [2, 2]]);
    assert.equal(r.experiment.models.length, 2, 'the experiment lists each model once');
    const ids = planExperiment(r.experiment).jobs.map((j) => j.id);
    assert.equal(ids.length, 4 * 3);
    assert.ok(ids.includes('f/lr=2/wStd=1.5/w16/s1'), ids.join(' '));
    assert.ok(ids.includes('n/lr=0.5/wStd=1'), ids.join(' '));
    assert.equal(new Set(ids).size, ids.length, 'ids are unique');
    assert.deepEqual(planExperiment(r.experiment).jobs.find((j) => j.id === 'f/lr=2/wStd=1.5/w16/s1')!.point, { 'training.learningRate': 2, 'network.layers[0].dense.wStd': 1.5 });
  });

  test('a sweep inside one model multiplies only that model; finite jobs pair with the limit at the same rate', () => {
    const text = withSweep('', '  f: { kind: finite, widths: [16], optimizer: sgd, sweep: { learningRate: [0.5, 2] } }\n  n: { kind: infinite, method: ntk, sweep: { learningRate: [0.5, 2] } }\n  g: { kind: infinite, method: gp }\n');
    const r = validateIn(text);
    assert.ok(r.experiment, show(r.diagnostics));
    const jobs = planExperiment(r.experiment).jobs;
    assert.deepEqual(jobs.map((j) => [j.id, j.limitId]), [
      ['n/lr=0.5', null],
      ['n/lr=2', null],
      ['g', null],
      ['f/lr=0.5/w16/s0', 'n/lr=0.5'],
      ['f/lr=2/w16/s0', 'n/lr=2'],
    ]);
    assert.deepEqual(jobs.find((j) => j.id === 'g')!.point, {});
  });

  test('optimizer: adam written as a name takes a swept optimizer.learningRate (the issue\'s example)', () => {
    const text = withSweep('', '  adam: { kind: finite, widths: [16], optimizer: adam, sweep: { optimizer.learningRate: [0.001, 0.01, 0.1] } }\n');
    const r = validateIn(text);
    assert.ok(r.experiment, show(r.diagnostics));
    const jobs = planExperiment(r.experiment).jobs;
    assert.deepEqual(jobs.map((j) => [j.id, j.model.learningRate, j.model.optimizer.name]), [
      ['adam/lr=0.001/w16/s0', 0.001, 'adam'],
      ['adam/lr=0.01/w16/s0', 0.01, 'adam'],
      ['adam/lr=0.1/w16/s0', 0.1, 'adam'],
    ]);
    assert.deepEqual(jobs[1].point, { 'optimizer.learningRate': 0.01 });
  });

  test('estimates: the job count of every point, a time and the largest job\'s memory', () => {
    const r = validateIn(withSweep('sweep:\n  training.learningRate: [0.5, 2, 8]\n'));
    assert.ok(r.experiment, show(r.diagnostics));
    const estimate = experimentEstimate(r.experiment)!;
    assert.equal(estimate.jobs, 9);
    assert.equal(estimate.points, 3);
    assert.ok(estimate.seconds > 0 && estimate.peakBytes > 0);
    assert.match(estimateText(estimate, formatDuration), /^9 jobs at 3 sweep points, about .+ of compute, up to .+ per job$/);
    const wider = validateIn(withSweep('sweep:\n  training.learningRate: [0.5, 2, 8]\n', '  f: { kind: finite, widths: [16, 256], seeds: 2 }\n  n: { kind: infinite, method: ntk }\n'));
    const more = experimentEstimate(wider.experiment!)!;
    assert.ok(more.seconds > estimate.seconds && more.peakBytes > estimate.peakBytes, 'wider networks cost more');
  });

  test('short names: the last segment, abbreviated, lengthened where two would clash', () => {
    assert.deepEqual(parsePath('network.layers[0].dense.wStd'), ['network', 'layers', 0, 'dense', 'wStd']);
    assert.equal(parsePath('a..b'), null);
    assert.equal(parsePath('a.'), null);
    const labels = shortLabels(['training.learningRate', 'optimizer.learningRate', 'network.layers[0].dense.wStd', 'network.layers[2].dense.wStd', 'seed']);
    assert.deepEqual([...labels.values()], ['training.lr', 'optimizer.lr', '0.dense.wStd', '2.dense.wStd', 'seed']);
  });
});

describe('sweep: problems where the sweep says them', () => {
  const check = (top: string, models?: string) => {
    const text = withSweep(top, models);
    const r = validateIn(text);
    return { text, r, errors: r.diagnostics.filter((d) => d.severity === 'error') };
  };

  test('a value out of range: its own position, the setting\'s message', () => {
    const { text, r, errors } = check('sweep:\n  training.learningRate: [0.5, -1]\n');
    assert.equal(r.experiment, null);
    assert.equal(errors.length, 1, show(r.diagnostics));
    assert.equal(errors[0].code, 'out-of-range');
    assert.equal(where(errors[0]), positionOf(text, '-1]'));
    assert.match(errors[0].message, /^training\.learningRate: must be a positive number, got -1/);
  });

  test('a value of the wrong type and an unknown name, each at the value', () => {
    const { text, errors } = check('sweep:\n  training.steps: [10, "many"]\n  loss: [mse, mae]\n');
    assert.deepEqual(errors.map((d) => [d.code, where(d)]), [
      ['wrong-type', positionOf(text, '"many"')],
      ['unknown-value', positionOf(text, 'mae')],
    ]);
  });

  test('a path the schema does not know: unknown-key at its unknown segment, with a suggestion', () => {
    const { text, errors } = check('sweep:\n  training.learningRat: [0.5, 2]\n');
    assert.equal(errors.length, 1);
    assert.equal(errors[0].code, 'unknown-key');
    assert.equal(where(errors[0]), positionOf(text, 'learningRat:'));
    assert.equal(errors[0].range.end.character - errors[0].range.start.character, 'learningRat'.length);
    assert.match(errors[0].message, /did you mean "learningRate"/);
  });

  test('a list index past the end, a malformed path, an empty list and a single value', () => {
    const { text, errors } = check('sweep:\n  network.layers[7].dense.wStd: [1, 2]\n  training..steps: [1]\n  training.steps: []\n  seed: 3\n');
    assert.deepEqual(errors.map((d) => [d.code, where(d)]), [
      ['invalid-sweep-path', positionOf(text, 'network.layers[7]')],
      ['invalid-sweep-path', positionOf(text, 'training..steps')],
      ['invalid-sweep', positionOf(text, '[]')],
      ['invalid-sweep', positionOf(text, '3\n')],
    ]);
    assert.match(errors[0].message, /\[7\] is past the end of a list of 3 items/);
  });

  test('a model\'s sweep is checked like the model: a bad rate inside models.f.sweep', () => {
    const { text, errors } = check('', '  f: { kind: finite, widths: [16], sweep: { learningRate: [1, 0] } }\n');
    assert.equal(errors.length, 1);
    assert.equal(where(errors[0]), positionOf(text, '0] }'));
    assert.match(errors[0].message, /^models\.f\.learningRate: must be a positive number, got 0/);
  });

  test('a repeated value is reported once, at the repeat', () => {
    const { text, errors } = check('sweep:\n  training.learningRate: [0.5, 2, 0.5]\n');
    assert.deepEqual(errors.map((d) => [d.code, where(d)]), [['duplicate-item', positionOf(text, '0.5]')]]);
  });

  test('a top-level axis that a model overrides warns once per model, at the axis; the others stay quiet', () => {
    const models = [
      '  own: { kind: finite, widths: [16], learningRate: 2 }',
      '  opt: { kind: finite, widths: [16], optimizer: { name: sgd, learningRate: 2 } }',
      '  swept: { kind: finite, widths: [16], sweep: { learningRate: [1, 2] } }',
      '  plain: { kind: finite, widths: [16] }',
      '  n: { kind: infinite, method: ntk, sweep: { steps: [5, 10] } }',
    ].join('\n') + '\n';
    const { text, r } = check('sweep:\n  training.learningRate: [0.5, 1]\n  models.n.steps: [6, 12]\n  models.plain.steps: [6, 12]\n', models);
    assert.ok(r.experiment, show(r.diagnostics));
    const shadowed = r.diagnostics.filter((d) => d.code === 'sweep-shadowed');
    assert.deepEqual(shadowed.map((d) => [where(d), d.severity, /model (\w+)/.exec(d.message)![1]]), [
      [positionOf(text, 'training.learningRate: ['), 'warning', 'own'],
      [positionOf(text, 'training.learningRate: ['), 'warning', 'opt'],
      [positionOf(text, 'training.learningRate: ['), 'warning', 'swept'],
      [positionOf(text, 'models.n.steps'), 'warning', 'n'],
    ]);
    assert.match(shadowed[1].message, /its own optimizer\.learningRate \(line \d+\)/);
    assert.match(shadowed[2].message, /its own sweep of learningRate/);
    assert.match(shadowed[3].message, /models\.n\.steps does nothing for model n: its own sweep of steps/);
  });
});
