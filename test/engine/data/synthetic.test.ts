import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDataset, Dataset } from '../../../engine/data/dataset';
import { sineFunction, teacherFunction } from '../../../engine/data/synthetic';
import { IwlError } from '../../../engine/util/iwlError';
import { row } from '../../../engine/util/matrix';

type Kind = 'teacher' | 'sine' | 'gaussians';

function synthetic(kind: Kind, sizes: { inputDim?: number; train?: number; test?: number; outputs?: number; noise?: number } = {}, seed = 0): Promise<Dataset> {
  const { inputDim = 5, train = 40, test = 20, outputs = 3, noise = 0 } = sizes;
  return loadDataset({ source: 'synthetic', kind, inputDim, train, test, outputs, noise }, seed);
}

function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}

function std(values: ArrayLike<number>): number {
  const m = mean(values);
  let s = 0;
  for (let i = 0; i < values.length; i++) s += (values[i] - m) ** 2;
  return Math.sqrt(s / (values.length - 1));
}

describe('synthetic data', () => {
  test('shapes, float32 storage and the task of each kind', async () => {
    for (const kind of ['teacher', 'sine', 'gaussians'] as const) {
      const data = await synthetic(kind, { inputDim: 7, train: 30, test: 11, outputs: 4 });
      assert.deepEqual([data.inputDim, data.outputs], [7, 4], kind);
      assert.deepEqual([data.xTrain.rows, data.xTrain.cols, data.yTrain.rows, data.yTrain.cols], [30, 7, 30, 4], kind);
      assert.deepEqual([data.xTest.rows, data.xTest.cols, data.yTest.rows, data.yTest.cols], [11, 7, 11, 4], kind);
      for (const m of [data.xTrain, data.yTrain, data.xTest, data.yTest]) assert.ok(m.data instanceof Float32Array, kind);
      assert.equal(data.task, kind === 'gaussians' ? 'classification' : 'regression');
      assert.equal(data.labelsTrain === null, kind !== 'gaussians');
      assert.ok(data.description.includes(kind));
    }
  });

  test('same seed, identical data; another seed, other inputs and another target function', async () => {
    for (const kind of ['teacher', 'sine', 'gaussians'] as const) {
      const a = await synthetic(kind, {}, 5);
      assert.deepEqual(await synthetic(kind, {}, 5), a, kind);
      const b = await synthetic(kind, {}, 6);
      assert.notDeepEqual(Array.from(b.xTrain.data), Array.from(a.xTrain.data), kind);
    }
    const x = new Float32Array([0.3, -1.2, 0.8, 0.1, 2.0]);
    assert.notDeepEqual(teacherFunction(5, 5, 3)(x), teacherFunction(6, 5, 3)(x));
    assert.notDeepEqual(sineFunction(5, 5, 3)(x), sineFunction(6, 5, 3)(x));
  });

  test('inputs are standard normal per coordinate (|x|^2/d about 1)', async () => {
    const data = await synthetic('teacher', { inputDim: 50, train: 400, test: 0 });
    // 20,000 N(0,1) draws: the mean's standard error is 0.007 and the std's 0.005; 5 standard errors.
    assert.ok(Math.abs(mean(data.xTrain.data)) < 0.035);
    assert.ok(Math.abs(std(data.xTrain.data) - 1) < 0.025);
  });

  test('teacher and sine targets are a function of the inputs, the same for train and test', async () => {
    for (const [kind, f] of [['teacher', teacherFunction], ['sine', sineFunction]] as const) {
      const data = await synthetic(kind, { inputDim: 6, train: 25, test: 15, outputs: 2 }, 9);
      const target = f(9, 6, 2);
      for (const [x, y] of [[data.xTrain, data.yTrain], [data.xTest, data.yTest]] as const) {
        for (let i = 0; i < x.rows; i++) {
          assert.deepEqual(Array.from(row(y, i)), Array.from(target(row(x, i)), Math.fround), `${kind} example ${i}`);
        }
      }
      // Not a constant: targets vary with the input.
      assert.ok(std(data.yTrain.data) > 0.1, `${kind} targets barely vary`);
    }
    // The teacher does not depend on how much data is drawn.
    const small = await synthetic('teacher', { inputDim: 6, train: 3, test: 1, outputs: 2 }, 9);
    const target = teacherFunction(9, 6, 2);
    assert.deepEqual(Array.from(row(small.yTrain, 0)), Array.from(target(row(small.xTrain, 0)), Math.fround));
  });

  test('the teacher targets vary over inputs with variance about 1 - 1/pi (its sqrt(2/H) readout scale)', async () => {
    // y = sum_j v_j relu(z_j), v_j ~ N(0, 2/H), z_j ~ N(0, 1): averaged over teachers, the variance over
    // inputs is 2 Var relu(z) = 2 (1/2 - 1/(2 pi)) = 1 - 1/pi = 0.68 (the relu mean becomes a per-teacher
    // offset). One teacher's variance scatters around that, so average 8 seeds x 4 outputs, band +-0.2.
    const variances: number[] = [];
    for (let seed = 0; seed < 8; seed++) {
      const data = await synthetic('teacher', { inputDim: 20, train: 500, test: 0, outputs: 4 }, seed);
      for (let k = 0; k < 4; k++) variances.push(std(Array.from({ length: 500 }, (_, i) => data.yTrain.data[i * 4 + k])) ** 2);
    }
    const averaged = mean(variances);
    assert.ok(Math.abs(averaged - (1 - 1 / Math.PI)) < 0.2, `mean target variance ${averaged}`);
  });

  test('regression noise is N(0, noise^2) on top of the clean targets, on train and test', async () => {
    for (const kind of ['teacher', 'sine'] as const) {
      const sizes = { inputDim: 4, train: 3000, test: 1000, outputs: 2 };
      const clean = await synthetic(kind, sizes, 1);
      const noisy = await synthetic(kind, { ...sizes, noise: 0.5 }, 1);
      assert.deepEqual(noisy.xTrain, clean.xTrain, 'noise leaves the inputs alone');
      for (const split of ['yTrain', 'yTest'] as const) {
        const residual = noisy[split].data.map((v, i) => v - clean[split].data[i]);
        const n = residual.length;
        // Standard errors: mean 0.5/sqrt(n), std 0.5/sqrt(2n) (n = 6000 or 2000); 5 of them.
        assert.ok(Math.abs(mean(residual)) < (5 * 0.5) / Math.sqrt(n), `${kind} ${split} residual mean ${mean(residual)}`);
        assert.ok(Math.abs(std(residual) - 0.5) < (5 * 0.5) / Math.sqrt(2 * n), `${kind} ${split} residual std ${std(residual)}`);
      }
    }
  });

  test('gaussians: balanced classes, separable clusters, label noise flips about the requested fraction', async () => {
    const sizes = { inputDim: 20, train: 2003, test: 4000, outputs: 4 };
    const clean = await synthetic('gaussians', sizes, 2);
    assert.deepEqual(clean.classNames, ['class 0', 'class 1', 'class 2', 'class 3']);
    const counts = [0, 0, 0, 0];
    clean.labelsTrain!.forEach((l) => counts[l]++);
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `train class counts ${counts}`);
    const hot = Array.from({ length: clean.yTrain.rows }, (_, r) => Array.from(row(clean.yTrain, r)).indexOf(1));
    assert.deepEqual(Array.from(clean.labelsTrain!), hot, 'one-hot rows match the labels');

    // Centres ~ N(0, I_20) sit about sqrt(40) = 6.3 apart with unit spread: nearest train centroid
    // classifies clean test points almost always (a margin of about 3 standard deviations).
    const centroid = (k: number) => {
      const c = new Float64Array(20);
      let n = 0;
      clean.labelsTrain!.forEach((l, i) => {
        if (l !== k) return;
        n++;
        row(clean.xTrain, i).forEach((v, j) => (c[j] += v));
      });
      return c.map((v) => v / n);
    };
    const centroids = [0, 1, 2, 3].map(centroid);
    const nearest = (x: ArrayLike<number>) => {
      const d = centroids.map((c) => c.reduce((s, v, j) => s + (v - x[j]) ** 2, 0));
      return d.indexOf(Math.min(...d));
    };
    const correct = Array.from(clean.labelsTest!).filter((l, i) => nearest(row(clean.xTest, i)) === l).length;
    assert.ok(correct / 4000 > 0.98, `nearest-centroid accuracy ${correct / 4000}`);

    // Label noise 0.3: the same inputs, each label replaced by another class with probability 0.3.
    const noisy = await synthetic('gaussians', { ...sizes, noise: 0.3 }, 2);
    assert.deepEqual(noisy.xTest, clean.xTest);
    const flipped = Array.from(noisy.labelsTest!).filter((l, i) => l !== clean.labelsTest![i]).length / 4000;
    // Binomial standard error sqrt(0.3 * 0.7 / 4000) = 0.0072; 5 of them.
    assert.ok(Math.abs(flipped - 0.3) < 0.036, `flipped fraction ${flipped}`);
  });

  test('invalid sizes and noise are IwlErrors naming the key and value', async () => {
    const cases: [Parameters<typeof synthetic>[1], Kind, string, RegExp][] = [
      [{ noise: 1.5 }, 'gaussians', 'DATA_BAD_NOISE', /1\.5/],
      [{ outputs: 1 }, 'gaussians', 'DATA_BAD_SIZE', /outputs.*1/],
      [{ noise: -1 }, 'teacher', 'DATA_BAD_NOISE', /-1/],
      [{ train: 0 }, 'sine', 'DATA_BAD_SIZE', /train.*0/],
      [{ inputDim: 2.5 }, 'teacher', 'DATA_BAD_SIZE', /inputDim.*2\.5/],
    ];
    for (const [sizes, kind, code, pattern] of cases) {
      await assert.rejects(synthetic(kind, sizes), (e: unknown) => e instanceof IwlError && e.code === code && pattern.test(e.message), JSON.stringify(sizes));
    }
  });
});
