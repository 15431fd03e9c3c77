/**
 * `data: { source: npy, ... }` (issue 12): arrays as numpy.save writes them (float32, float64,
 * integers), labels, one-hot rows or regression targets, a test fraction or test files; bad files
 * named with what is wrong, at validation (file:line:col) and at load; and csv and npy data of
 * 30,000 rows, validated and loaded (the load times are printed, not asserted).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset } from '../../../engine/data/dataset';
import { IwlError } from '../../../engine/util/iwlError';
import { writeNpy } from '../../../engine/util/npy';
import { Rng } from '../../../engine/util/rng';
import { runIwl, tempDir } from '../../helpers';
import { positionOf } from '../experiment/experimentHelpers';
import { readRunSummary } from '../../../engine/contract/records';

/** .npy bytes as numpy writes them, for any dtype (the engine itself writes only floats). */
function npyBytes(descr: string, shape: number[], values: ArrayLike<number>): Uint8Array {
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const pad = 64 - ((10 + dict.length + 1) % 64);
  const header = Buffer.from(dict + ' '.repeat(pad) + '\n', 'latin1');
  const size = Number(/\d+$/.exec(descr)![0]);
  const data = Buffer.alloc(values.length * size);
  for (let i = 0; i < values.length; i++) {
    if (descr === '<i8') data.writeBigInt64LE(BigInt(values[i]), i * 8);
    else if (descr === '<i4') data.writeInt32LE(values[i], i * 4);
    else if (descr === '|u1') data.writeUInt8(values[i], i);
    else throw new Error(`npyBytes: ${descr}`);
  }
  const prefix = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  return new Uint8Array(Buffer.concat([new Uint8Array(prefix), new Uint8Array(header), new Uint8Array(data)]));
}

/** Two Gaussian blobs in d dimensions, labels 0/1 (or 3/7 to test label mapping). */
function blobs(n: number, d: number, seed: number, names: [number, number] = [0, 1]): { x: Float32Array; labels: number[] } {
  const rng = new Rng(seed);
  const x = new Float32Array(n * d);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    labels.push(names[c]);
    for (let j = 0; j < d; j++) x[i * d + j] = rng.normal() + (c ? 1.5 : -1.5) * (j === 0 ? 1 : 0);
  }
  return { x, labels };
}

const experiment = (data: string) => `name: npy
data: ${data}
network:
  layers:
    - dense: { width: 32 }
    - relu
    - dense
training: { steps: 20, learningRate: 0.5, logEvery: 10 }
models:
  f: { kind: finite }
  n: { kind: infinite, method: ntk }
`;

describe('npy data', () => {
  test('float32 inputs and int64 labels (3 and 7), a test fraction: classification with classes in sorted order; iwl run trains on them', () => {
    const dir = tempDir();
    const { x, labels } = blobs(60, 3, 1, [3, 7]);
    writeNpy(join(dir, 'X.npy'), x, [60, 3]);
    writeFileSync(join(dir, 'y.npy'), npyBytes('<i8', [60], labels));
    writeFileSync(join(dir, 'e.iwl.yaml'), experiment('{ source: npy, x: X.npy, y: y.npy, test: 0.25 }'));
    const r = runIwl(['run', 'e.iwl.yaml', '--out', 'out', '--quiet', '--workers', '1'], { cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    const summary = readRunSummary(JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8')));
    assert.equal(summary.data!.task, 'classification');
    assert.deepEqual([summary.data!.train, summary.data!.test, summary.data!.inputDim, summary.data!.outputs], [45, 15, 3, 2]);
    assert.match(summary.data!.description, /npy X\.npy \(<f4\) and y\.npy \(<i8\): 3 features, classification, 2 classes, inferred from y/);
    const ntk = summary.runs.find((run) => run.id === 'n')!;
    assert.ok(ntk.final!.testAccuracy! > 0.8, `separable blobs: test accuracy ${ntk.final!.testAccuracy}`);
  });

  test('float64 one-hot targets with test files: classes 0..k-1; the same rows as given', async () => {
    const dir = tempDir();
    const { x, labels } = blobs(40, 2, 2);
    const oneHot = Float64Array.from(labels.flatMap((l) => (l ? [0, 1] : [1, 0])));
    writeNpy(join(dir, 'X.npy'), Float64Array.from(x.subarray(0, 60)), [30, 2]);
    writeNpy(join(dir, 'Y.npy'), oneHot.subarray(0, 60), [30, 2]);
    writeNpy(join(dir, 'Xt.npy'), Float64Array.from(x.subarray(60)), [10, 2]);
    writeNpy(join(dir, 'Yt.npy'), oneHot.subarray(60), [10, 2]);
    writeFileSync(join(dir, 'e.iwl.yaml'), experiment('{ source: npy, x: X.npy, y: Y.npy, test: { x: Xt.npy, y: Yt.npy } }'));
    const ok = runIwl(['validate', 'e.iwl.yaml'], { cwd: dir });
    assert.equal(ok.status, 0, ok.stderr);
    const d = await loadDataset({ source: 'npy', x: join(dir, 'X.npy'), y: join(dir, 'Y.npy'), test: { x: join(dir, 'Xt.npy'), y: join(dir, 'Yt.npy') }, task: null }, 0);
    assert.equal(d.task, 'classification');
    assert.deepEqual(d.classNames, ['0', '1']);
    assert.deepEqual(Array.from(d.labelsTest!), labels.slice(30));
    assert.deepEqual(Array.from(d.xTest.data), Array.from(Float32Array.from(x.subarray(60))));
  });

  test('regression targets [N, 2] (not one-hot) are regression; task: regression on integer labels keeps the values', async () => {
    const dir = tempDir();
    const rng = new Rng(3);
    const x = Float32Array.from({ length: 50 * 4 }, () => rng.normal());
    writeNpy(join(dir, 'X.npy'), x, [50, 4]);
    writeNpy(join(dir, 'Y.npy'), Float32Array.from({ length: 100 }, () => rng.normal()), [50, 2]);
    writeFileSync(join(dir, 'l.npy'), npyBytes('<i4', [50], Array.from({ length: 50 }, (_, i) => i % 3)));
    const reg = await loadDataset({ source: 'npy', x: join(dir, 'X.npy'), y: join(dir, 'Y.npy'), test: 0.2, task: null }, 0);
    assert.deepEqual([reg.task, reg.outputs, reg.xTrain.rows, reg.xTest.rows], ['regression', 2, 40, 10]);
    const asValues = await loadDataset({ source: 'npy', x: join(dir, 'X.npy'), y: join(dir, 'l.npy'), test: 0.2, task: 'regression' }, 0);
    assert.deepEqual([asValues.task, asValues.outputs], ['regression', 1]);
    assert.ok(Array.from(asValues.yTrain.data).every((v) => v === 0 || v === 1 || v === 2));
  });

  test('bad files at validation: wrong magic, unsupported dtype, rows that do not match, 1-D inputs; each names the file, at its key', () => {
    const dir = tempDir();
    writeNpy(join(dir, 'X.npy'), new Float32Array(20), [10, 2]);
    writeNpy(join(dir, 'y.npy'), new Float32Array(10), [10]);
    writeNpy(join(dir, 'y9.npy'), new Float32Array(9), [9]);
    writeNpy(join(dir, 'flat.npy'), new Float32Array(10), [10]);
    writeFileSync(join(dir, 'text.npy'), 'x,y\n1,2\n');
    const complex = Buffer.from(npyBytes('|u1', [10], new Array(10).fill(0))).toString('latin1').replace("'|u1'", "'<c8'");
    writeFileSync(join(dir, 'complex.npy'), new Uint8Array(Buffer.from(complex, 'latin1')));
    const cases: [string, string, string, RegExp][] = [
      ['{ source: npy, x: text.npy, y: y.npy }', 'text.npy', 'npy-invalid', /text\.npy: not a \.npy file \(no \\x93NUMPY magic\)/],
      ['{ source: npy, x: X.npy, y: complex.npy }', 'complex.npy', 'npy-invalid', /complex\.npy: unsupported \.npy dtype '<c8'/],
      ['{ source: npy, x: X.npy, y: y9.npy }', 'y9.npy', 'npy-shape-mismatch', /y9\.npy has 9 rows but .*X\.npy has 10/],
      ['{ source: npy, x: flat.npy, y: y.npy }', 'flat.npy', 'npy-invalid', /flat\.npy has shape \(10,\); inputs need shape \[N, d\]/],
    ];
    for (const [data, file, code, message] of cases) {
      const text = experiment(data);
      writeFileSync(join(dir, 'e.iwl.yaml'), text);
      const r = runIwl(['validate', 'e.iwl.yaml'], { cwd: dir });
      assert.equal(r.status, 2, data);
      const [first] = r.stderr.trimEnd().split('\n');
      assert.equal(first.split(': error ')[0], `e.iwl.yaml:${positionOf(text, file)}`, r.stderr);
      assert.match(first, new RegExp(` error ${code}: `));
      assert.match(first, message);
    }
  });

  test('bad values at load: a NaN input and labels that are not one-hot name the file and the place', async () => {
    const dir = tempDir();
    const x = new Float32Array(20);
    x[7] = NaN;
    writeNpy(join(dir, 'X.npy'), x, [10, 2]);
    writeNpy(join(dir, 'y.npy'), new Float32Array(10), [10]);
    writeNpy(join(dir, 'Y.npy'), new Float32Array(20).fill(0.5), [10, 2]);
    await assert.rejects(loadDataset({ source: 'npy', x: join(dir, 'X.npy'), y: join(dir, 'y.npy'), test: 0.2, task: null }, 0), (e: unknown) => {
      assert.ok(e instanceof IwlError && e.code === 'DATA_NPY_INVALID');
      assert.match(e.message, /X\.npy: row 3, column 1 is NaN; every value must be finite/);
      return true;
    });
    writeNpy(join(dir, 'X.npy'), new Float32Array(20), [10, 2]);
    await assert.rejects(loadDataset({ source: 'npy', x: join(dir, 'X.npy'), y: join(dir, 'Y.npy'), test: 0.2, task: 'classification' }, 0), /Y\.npy: task is classification, but its rows are not one-hot/);
  });
});

describe('30,000 rows', () => {
  const n = 30_000;
  const d = 16;
  const { x, labels } = blobs(n, d, 4);

  test('csv: validated and loaded, every row there', async () => {
    const dir = tempDir();
    const lines = [Array.from({ length: d }, (_, j) => `f${j}`).concat('label').join(',')];
    for (let i = 0; i < n; i++) lines.push(Array.from(x.subarray(i * d, (i + 1) * d), (v) => v.toPrecision(6)).concat(String(labels[i])).join(','));
    writeFileSync(join(dir, 'big.csv'), lines.join('\n') + '\n');
    let started = performance.now();
    writeFileSync(join(dir, 'e.iwl.yaml'), experiment('{ source: csv, path: big.csv, target: label, test: 0.2 }'));
    const r = runIwl(['validate', 'e.iwl.yaml'], { cwd: dir });
    const validateSeconds = (performance.now() - started) / 1000;
    assert.equal(r.status, 2, 'the 24,000-point NTK does not fit the memory budget');
    assert.match(r.stderr, /memory-over-budget/);
    started = performance.now();
    const data = await loadDataset({ source: 'csv', path: join(dir, 'big.csv'), target: 'label', test: 0.2, task: null }, 0);
    const loadSeconds = (performance.now() - started) / 1000;
    assert.deepEqual([data.xTrain.rows, data.xTest.rows, data.inputDim, data.task], [24_000, 6_000, d, 'classification']);
    console.log(`csv, ${n} rows x ${d + 1} columns: iwl validate ${validateSeconds.toFixed(2)} s, load ${loadSeconds.toFixed(2)} s`);
  });

  test('npy: validated (headers only) and loaded, every row there', async () => {
    const dir = tempDir();
    writeNpy(join(dir, 'X.npy'), x, [n, d]);
    writeFileSync(join(dir, 'y.npy'), npyBytes('<i8', [n], labels));
    const text = experiment('{ source: npy, x: X.npy, y: y.npy, test: 0.2 }').replace('  n: { kind: infinite, method: ntk }\n', '');
    writeFileSync(join(dir, 'e.iwl.yaml'), text);
    let started = performance.now();
    const r = runIwl(['validate', 'e.iwl.yaml'], { cwd: dir });
    const validateSeconds = (performance.now() - started) / 1000;
    assert.equal(r.status, 0, r.stderr);
    started = performance.now();
    const data = await loadDataset({ source: 'npy', x: join(dir, 'X.npy'), y: join(dir, 'y.npy'), test: 0.2, task: null }, 0);
    const loadSeconds = (performance.now() - started) / 1000;
    assert.deepEqual([data.xTrain.rows, data.xTest.rows, data.inputDim, data.task], [24_000, 6_000, d, 'classification']);
    console.log(`npy, ${n} x ${d} float32 + ${n} int64 labels: iwl validate ${validateSeconds.toFixed(2)} s, load ${loadSeconds.toFixed(2)} s`);
  });
});
