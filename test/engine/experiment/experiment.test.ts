/** Defaults as documented, the issue's example as written, every example file, and the source tree's ranges. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, experimentFilesIn } from '../../helpers';
import { validateExperiment } from '../../../engine/experiment/validate';
import { nodeValidationHost } from '../../../engine/experiment/validationHost';
import { FiniteModelSpec, InfiniteModelSpec } from '../../../engine/experiment/experimentTypes';
import { positionOf, show, validateIn } from './experimentHelpers';

const issueExample = `name: mnist-adam-vs-sgd
seed: 0
data:
  source: mnist            # mnist | csv | synthetic
  train: 1000
  test: 1000
  classes: [0, 1, 2]       # mnist: optional subset
  # csv:       path (relative to this file), target (column), test (fraction or path)
  # synthetic: kind (teacher | sine | gaussians), inputDim, train, test, outputs, noise
network:
  parametrization: ntk     # ntk | standard
  layers:
    - dense: { width: 512, wStd: 1.5, bStd: 0.05 }
    - relu                 # relu, erf, identity, tanh, sigmoid, softplus, gelu,
    - dense: { width: 512 }  # { leakyRelu: { slope } }, { abRelu: { a, b } }
    - erf
    - dense: { wStd: 1.5 } # last dense: no width = one output per class/target
loss: mse                  # mse | crossEntropy
training: { steps: 1000, learningRate: 1.0, batchSize: full, logEvery: 10 }
models:                    # name -> model; at least one
  sgd:        { kind: finite, widths: [128, 512, 2048], seeds: 3, optimizer: sgd }
  readout:    { kind: finite, trainable: readout, widths: [512], optimizer: sgd }
  adam:       { kind: finite, widths: [512], optimizer: { name: adam, learningRate: 0.01 } }
  ntk:        { kind: infinite, method: ntk, optimizer: sgd }
  adam-limit: { kind: infinite, method: adam, optimizer: { name: adam, learningRate: 0.01 } }
  gp:         { kind: infinite, method: gp }
`;

describe('experiment files', () => {
  test('the YAML example of issue 2 validates as written, into the documented values', () => {
    const { experiment, diagnostics } = validateIn(issueExample, { name: 'issue.iwl.yaml' });
    assert.deepEqual(diagnostics, [], show(diagnostics));
    assert.ok(experiment);
    assert.equal(experiment.name, 'mnist-adam-vs-sgd');
    assert.deepEqual(experiment.data, { source: 'mnist', train: 1000, test: 1000, classes: [0, 1, 2] });
    assert.deepEqual(experiment.network.layers, [
      { kind: 'dense', width: 512, wStd: 1.5, bStd: 0.05 },
      { kind: 'activation', activation: { kind: 'relu' } },
      { kind: 'dense', width: 512, wStd: 1, bStd: 0 },
      { kind: 'activation', activation: { kind: 'erf' } },
      { kind: 'dense', width: null, wStd: 1.5, bStd: 0 },
    ]);
    assert.deepEqual(experiment.models.map((m) => m.name), ['sgd', 'readout', 'adam', 'ntk', 'adam-limit', 'gp']);
    const [sgd, readout, adam, ntk, adamLimit, gp] = experiment.models;
    assert.deepEqual((sgd as FiniteModelSpec).seeds, [0, 1, 2]);
    assert.deepEqual((sgd as FiniteModelSpec).widths, [128, 512, 2048]);
    assert.equal((readout as FiniteModelSpec).trainable, 'readout');
    assert.equal(adam.optimizer.name, 'adam');
    assert.equal(adam.learningRate, 0.01, 'optimizer.learningRate overrides the model learning rate');
    assert.equal(ntk.learningRate, 1.0);
    assert.equal((adamLimit as InfiniteModelSpec).method, 'adam');
    assert.equal((gp as InfiniteModelSpec).method, 'gp');
    assert.equal(positionOf(issueExample, 'adam-limit:'), `${adamLimit.range.start.line + 1}:${adamLimit.range.start.character + 1}`, 'model ranges point at their keys');
  });

  test('defaults are filled in as documented', () => {
    const text = `data: { source: synthetic }
network: { layers: [dense: { width: 64 }, relu, dense] }
models:
  f: { kind: finite }
  n: { kind: infinite }
  a: { kind: infinite, method: adam }
  k: { kind: infinite, method: kernelAdam, steps: 5, learningRate: 0.1, batchSize: 8, logEvery: 1 }
  m: { kind: finite, widths: [8], seeds: [4, 7], optimizer: { name: momentum } }
`;
    const { experiment, diagnostics } = validateIn(text, { name: 'my-run.iwl.yaml' });
    assert.deepEqual(diagnostics, [], show(diagnostics));
    assert.ok(experiment);
    assert.equal(experiment.name, 'my-run', 'name: the file name without .iwl.yaml');
    assert.equal(experiment.seed, 0);
    assert.equal(experiment.loss, 'mse');
    assert.equal(experiment.network.parametrization, 'ntk');
    assert.deepEqual(experiment.network.layers[0], { kind: 'dense', width: 64, wStd: 1, bStd: 0 });
    assert.deepEqual(experiment.data, { source: 'synthetic', kind: 'teacher', inputDim: 8, train: 256, test: 256, outputs: 1, noise: 0 });
    assert.deepEqual(experiment.training, { steps: 1000, learningRate: 1.0, batchSize: 'full', logEvery: 10 });
    const [f, n, a, k, m] = experiment.models as [FiniteModelSpec, InfiniteModelSpec, InfiniteModelSpec, InfiniteModelSpec, FiniteModelSpec];
    const sgd = { name: 'sgd', learningRate: null, momentum: 0.9, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
    assert.deepEqual(f.optimizer, sgd);
    assert.deepEqual(f.widths, [64], 'widths: the width the hidden dense layers state');
    assert.deepEqual(f.seeds, [0]);
    assert.equal(f.trainable, 'all');
    assert.equal(f.centering, true);
    assert.deepEqual([f.steps, f.learningRate, f.batchSize, f.logEvery], [1000, 1.0, 'full', 10]);
    assert.equal(n.method, 'ntk');
    assert.deepEqual(n.optimizer, sgd);
    assert.equal(n.diagReg, 1e-6);
    assert.deepEqual(n.samples, { backward: 1024, forward: 1024 });
    assert.equal(n.seed, 0, 'Monte Carlo seed: the experiment seed');
    assert.equal(a.optimizer.name, 'adam', 'method adam defaults to optimizer adam');
    assert.equal(k.optimizer.name, 'adam', 'method kernelAdam defaults to optimizer adam');
    assert.deepEqual([k.steps, k.learningRate, k.batchSize, k.logEvery], [5, 0.1, 8, 1], 'model overrides');
    assert.deepEqual(m.seeds, [4, 7]);
    assert.equal(m.optimizer.name, 'momentum');
    assert.equal(m.optimizer.momentum, 0.9);
  });

  test('a JSON experiment gives the same experiment as its YAML twin', () => {
    const yamlText = 'data: { source: synthetic, kind: sine }\nnetwork: { layers: [dense: { width: 8 }, erf, dense] }\nmodels: { n: { kind: infinite } }\n';
    const json = JSON.stringify({ data: { source: 'synthetic', kind: 'sine' }, network: { layers: [{ dense: { width: 8 } }, 'erf', 'dense'] }, models: { n: { kind: 'infinite' } } }, null, 2);
    const a = validateIn(yamlText, { name: 'same.iwl.yaml' });
    const b = validateIn(json, { name: 'same.iwl.json' });
    assert.deepEqual(a.diagnostics, []);
    assert.deepEqual(b.diagnostics, []);
    const strip = (e: unknown) => JSON.parse(JSON.stringify(e, (key, v) => (key === 'range' ? undefined : v)));
    assert.deepEqual(strip(b.experiment), strip(a.experiment));
  });

  test('every file in examples/ validates with no diagnostics at all', () => {
    const dir = join(repoRoot, 'examples');
    const files = experimentFilesIn(dir);
    assert.ok(files.includes('quickstart.iwl.yaml') && files.includes('mnist-adam-vs-sgd.iwl.yaml'), `examples: ${files.join(', ')}`);
    assert.ok(files.some((f) => f.endsWith('.iwl.json')), 'at least one JSON example');
    for (const f of files) {
      const path = join(dir, f);
      const result = validateExperiment(readFileSync(path, 'utf8'), { filePath: path, host: nodeValidationHost() });
      assert.deepEqual(result.diagnostics, [], `${f}:\n${show(result.diagnostics)}`);
      assert.ok(result.experiment, f);
    }
  });

  test('several problems in one file are all reported, in file order', () => {
    const text = 'data: { source: synthetic, train: 0 }\nnetwork: { layers: [dense, relux, dense] }\nloss: mae\nmodels: { n: { kind: infinit } }\n';
    const { diagnostics } = validateIn(text);
    assert.deepEqual(diagnostics.map((d) => d.code), ['out-of-range', 'unknown-layer', 'unknown-value', 'unknown-value'], show(diagnostics));
  });

  test('CRLF and lone-CR line ends count lines like VS Code', () => {
    for (const eol of ['\r\n', '\r']) {
      const text = ['data: { source: synthetic }', 'network: { layers: [dense, relu, dense] }', 'models:', '  n: { kind: infinite, method: nttk }', ''].join(eol);
      const { diagnostics } = validateIn(text);
      assert.equal(diagnostics.length, 1, show(diagnostics));
      assert.equal(`${diagnostics[0].range.start.line + 1}:${diagnostics[0].range.start.character + 1}`, '4:32', JSON.stringify(eol));
    }
  });

  test('values reached through a YAML alias are checked and reported at the alias', () => {
    const text = 'data: { source: synthetic }\nnetwork: { layers: [dense, relu, dense] }\nmodels:\n  f: { kind: finite, widths: &w [64, -1] }\n  g: { kind: finite, widths: *w }\n';
    const { diagnostics } = validateIn(text);
    assert.deepEqual(diagnostics.map((d) => [d.code, d.message.split(':')[0], `${d.range.start.line + 1}:${d.range.start.character + 1}`]), [
      ['out-of-range', 'models.f.widths[1]', positionOf(text, '-1')],
      ['out-of-range', 'models.g.widths[1]', positionOf(text, '*w')],
    ], show(diagnostics));
  });
  test('syntax errors point at their cause', () => {
    const cases: [string, string, string, RegExp][] = [
      ['a.iwl.yaml', 'data:\n  source: "mnist\nnetwork: { layers: [dense] }\n', '"mnist', /never closed/],
      ['b.iwl.yaml', 'data:\n  source: mnist\n   train: 100\nmodels: {}\n', 'mnist', /indentation of line 3/],
      ['c.iwl.yaml', 'data: { source: mnist }\nnetwork:\n\tlayers: [dense]\n', '\tlayers', /Tabs/],
      ['d.iwl.json', '{\n  "data": { "source": "mnist" }\n  "network": {}\n}', '"network"', /expected ','/],
      ['e.iwl.json', "{\n  'data': 1\n}", "'data'", /double quotes/],
      ['f.iwl.json', '{ "models": { "a": 1, } }', ', }', /trailing comma/],
      ['g.iwl.json', '{ "data": 1 } // note', '// note', /comments are not allowed/],
    ];
    for (const [name, text, at, says] of cases) {
      const { diagnostics } = validateIn(text, { name });
      assert.equal(diagnostics.length, 1, `${name}:\n${show(diagnostics)}`);
      assert.equal(diagnostics[0].code, 'syntax-error', name);
      assert.match(diagnostics[0].message, says, name);
      assert.equal(`${diagnostics[0].range.start.line + 1}:${diagnostics[0].range.start.character + 1}`, positionOf(text, at), `${name}: ${diagnostics[0].message}`);
    }
  });
});

describe('Adam limit sample defaults', () => {
  const file = (hidden: string, adamWidths: string, samples = '') => `data: { source: synthetic, inputDim: 4, train: 20, test: 10, outputs: 1 }
network: { layers: [${hidden} dense] }
models:
  adam: { kind: finite, widths: ${adamWidths}, optimizer: adam }
  limit: { kind: infinite, method: adam${samples} }
`;
  const samplesOf = (text: string) => {
    const { experiment, diagnostics } = validateIn(text);
    assert.ok(experiment, show(diagnostics));
    return (experiment.models[1] as InfiniteModelSpec).samples;
  };

  test('stay at 1024 for narrow sweeps and grow with the widest finite Adam model, within the cost caps', () => {
    const one = 'dense: { width: 8 }, relu,';
    const two = 'dense: { width: 8 }, relu, dense: { width: 8 }, relu,';
    assert.deepEqual(samplesOf(file(one, '[64, 128]')), { backward: 1024, forward: 1024 });
    assert.deepEqual(samplesOf(file(one, '[512, 1024]')), { backward: 4096, forward: 4096 }, 'one hidden layer: 4x the widest');
    assert.deepEqual(samplesOf(file(one, '[4096]')), { backward: 8192, forward: 8192 }, 'capped at 8192');
    assert.deepEqual(samplesOf(file(two, '[768]')), { backward: 1536, forward: 1536 }, 'deeper: 2x the widest');
    assert.deepEqual(samplesOf(file(two, '[4096]')), { backward: 2048, forward: 2048 }, 'capped at 2048');
  });

  test('samples the file states are kept as they are', () => {
    assert.deepEqual(samplesOf(file('dense: { width: 8 }, relu,', '[4096]', ', samples: { backward: 100, forward: 200 }')), { backward: 100, forward: 200 });
  });
});
