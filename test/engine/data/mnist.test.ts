import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDataset, Dataset } from '../../../engine/data/dataset';
import { mnistPackage } from '../../../engine/data/mnist';
import { MNIST_CLASS_COUNTS } from '../../../engine/data/sources';
import { IwlError } from '../../../engine/util/iwlError';
import { row } from '../../../engine/util/matrix';

/** Where each digit sits in the package, found through its public `set()` API: image key -> digit and index. */
interface Origin {
  digit: number;
  index: number;
}

let origins: Map<string, Origin>;

/** The image as the loader stores it (float32), so a lookup matches exactly. */
function keyOf(pixels: ArrayLike<number>): string {
  return Array.from(pixels, (v) => Math.fround(v)).join(',');
}

function originsOf(x: Dataset['xTrain']): Origin[] {
  return Array.from({ length: x.rows }, (_, i) => {
    const origin = origins.get(keyOf(row(x, i)));
    assert.ok(origin, `example ${i} is not a digit of the mnist package`);
    return origin;
  });
}

async function mnist(train: number, test: number, classes: number[] | null, seed = 0): Promise<Dataset> {
  return loadDataset({ source: 'mnist', train, test, classes }, seed);
}

before(() => {
  origins = new Map();
  mnistPackage().forEach((digit) => {
    digit.set(0, digit.length - 1).forEach((sample, index) => {
      // The package's one-hot `output` is the ground truth for the label.
      origins.set(keyOf(sample.input), { digit: sample.output.indexOf(1), index });
    });
  });
  assert.equal(origins.size, 10_000, 'the package ships 10,000 distinct digits');
});

describe('mnist', () => {
  test('real digits: 784 float32 pixels in [0, 1], one-hot targets matching the package labels', async () => {
    const data = await mnist(300, 200, null);
    assert.equal(data.task, 'classification');
    assert.equal(data.inputDim, 784);
    assert.equal(data.outputs, 10);
    assert.deepEqual(data.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    for (const [x, y, labels, n] of [[data.xTrain, data.yTrain, data.labelsTrain, 300], [data.xTest, data.yTest, data.labelsTest, 200]] as const) {
      assert.ok(x.data instanceof Float32Array && y.data instanceof Float32Array);
      assert.deepEqual([x.rows, x.cols, y.rows, y.cols, labels!.length], [n, 784, n, 10, n]);
      let min = Infinity;
      let max = -Infinity;
      for (const v of x.data) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      assert.ok(min >= 0 && max <= 1 && max > 0.9, `pixels span [${min}, ${max}]`);
      originsOf(x).forEach((origin, i) => {
        assert.equal(labels![i], origin.digit, `example ${i}: label against the package's one-hot output`);
        const target = Array.from(row(y, i));
        assert.deepEqual(target, Array.from({ length: 10 }, (_, k) => (k === origin.digit ? 1 : 0)));
      });
    }
  });

  test('train and test are disjoint and hold no repeats; classes are balanced', async () => {
    const data = await mnist(1000, 1000, null, 3);
    const train = originsOf(data.xTrain).map((o) => `${o.digit}/${o.index}`);
    const test = originsOf(data.xTest).map((o) => `${o.digit}/${o.index}`);
    assert.equal(new Set(train).size, 1000);
    assert.equal(new Set(test).size, 1000);
    assert.equal(train.filter((t) => new Set(test).has(t)).length, 0);
    const counts = new Array(10).fill(0);
    data.labelsTrain!.forEach((l) => counts[l]++);
    assert.deepEqual(counts, new Array(10).fill(100));
  });

  test('a class subset maps to labels 0..k-1 in the given order', async () => {
    const data = await mnist(31, 12, [7, 2, 9]);
    assert.equal(data.outputs, 3);
    assert.deepEqual(data.classNames, ['7', '2', '9']);
    assert.deepEqual([data.yTrain.cols, data.yTest.cols], [3, 3]);
    const digits = [7, 2, 9];
    originsOf(data.xTrain).forEach((o, i) => assert.equal(digits[data.labelsTrain![i]], o.digit));
    originsOf(data.xTest).forEach((o, i) => assert.equal(digits[data.labelsTest![i]], o.digit));
    // 31 over 3 classes: 10 or 11 each.
    const counts = [0, 0, 0];
    data.labelsTrain!.forEach((l) => counts[l]++);
    assert.deepEqual(counts.slice().sort(), [10, 10, 11]);
  });

  test('a class too small for an even share gives all it has and the others make up the rest', async () => {
    // Digits 5 (863) and 1 (1127): 1900 train + 50 test needs more than 863 of one class.
    const data = await mnist(1900, 50, [5, 1]);
    const train = [0, 0];
    data.labelsTrain!.forEach((l) => train[l]++);
    const test = [0, 0];
    data.labelsTest!.forEach((l) => test[l]++);
    assert.deepEqual(train, [863, 1037]);
    assert.deepEqual(test, [0, 50]);
  });

  test('the whole package can be drawn: train + test = 10,000', async () => {
    const data = await mnist(9000, 1000, null);
    const all = new Set([...originsOf(data.xTrain), ...originsOf(data.xTest)].map((o) => `${o.digit}/${o.index}`));
    assert.equal(all.size, 10_000);
  });

  test('same seed, same data; different seeds, different digits', async () => {
    const a = await mnist(100, 50, [0, 1], 11);
    const b = await mnist(100, 50, [0, 1], 11);
    const c = await mnist(100, 50, [0, 1], 12);
    assert.deepEqual(a, b);
    const shared = new Set(originsOf(a.xTrain).map((o) => `${o.digit}/${o.index}`));
    const overlap = originsOf(c.xTrain).filter((o) => shared.has(`${o.digit}/${o.index}`)).length;
    // Each class draws 50 of about 1000 digits: two seeds share about 50 * 50/1000 = 2.5 per class by chance.
    assert.ok(overlap < 30, `seeds 11 and 12 share ${overlap} of 100 training digits`);
  });

  test('asking for more digits than the package has is DATA_TOO_MANY_SAMPLES naming the numbers', async () => {
    await assert.rejects(mnist(9000, 1001, null), (e: unknown) => {
      assert.ok(e instanceof IwlError);
      assert.equal(e.code, 'DATA_TOO_MANY_SAMPLES');
      assert.match(e.message, /9000.*1001.*10001.*10000/);
      return true;
    });
    const available = MNIST_CLASS_COUNTS[3] + MNIST_CLASS_COUNTS[8];
    await assert.rejects(mnist(available, 1, [3, 8]), (e: unknown) => e instanceof IwlError && e.code === 'DATA_TOO_MANY_SAMPLES' && e.message.includes(String(available)));
  });

  test('bad class lists are DATA_BAD_CLASSES', async () => {
    for (const classes of [[], [1, 1], [10], [2.5]]) {
      await assert.rejects(mnist(10, 10, classes), (e: unknown) => e instanceof IwlError && e.code === 'DATA_BAD_CLASSES', JSON.stringify(classes));
    }
  });
});
