/**
 * The packaged MNIST digits (engine/data/mnistCompact.ts): the compact file the production build
 * writes decodes to exactly the mnist package's numbers, class by class and in the package's
 * order, so a seeded draw picks the same digits from either source.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync, gunzipSync } from 'node:zlib';
import { decodeMnistCompact, encodeMnistCompact } from '../../engine/data/mnistCompact';
import { mnistPackage } from '../../engine/data/mnist';
import { MNIST_CLASS_COUNTS, MNIST_INPUT_DIM } from '../../engine/data/sources';
import { assertSameDigits } from './digits';

describe('compact MNIST digits', () => {
  test('encode then decode gives exactly the package digits, in about 2 MB', () => {
    const file = encodeMnistCompact(mnistPackage(), MNIST_INPUT_DIM);
    const { classes, pixels } = decodeMnistCompact(file);
    assert.equal(pixels, MNIST_INPUT_DIM);
    assert.deepEqual(classes.map((c) => c.length), [...MNIST_CLASS_COUNTS]);
    assertSameDigits(classes);
    // One byte per pixel and 10,000 digits: 7.84 MB inflated; the measured file is 1.6 MB.
    assert.ok(gunzipSync(file).length < 7.9e6, `inflated ${gunzipSync(file).length} bytes`);
    assert.ok(file.length < 2.5e6, `compressed ${file.length} bytes`);
  });

  test('a damaged file is refused with a message, not decoded into wrong digits', () => {
    const good = new Uint8Array(gunzipSync(encodeMnistCompact([{ raw: [0, 0.5, 1, 0.5], length: 2 }], 2)));
    const truncated = new Uint8Array(gzipSync(new Uint8Array(good.subarray(0, good.length - 1))));
    assert.throws(() => decodeMnistCompact(truncated), /not a valid digits file: \d+ bytes, expected \d+/);
    const wrongMagic = good.slice();
    wrongMagic.fill(88, 0, 8);
    assert.throws(() => decodeMnistCompact(new Uint8Array(gzipSync(new Uint8Array(wrongMagic)))), /wrong magic/);
    const badCode = good.slice();
    badCode[badCode.length - 1] = 200;
    assert.throws(() => decodeMnistCompact(new Uint8Array(gzipSync(new Uint8Array(badCode)))), /pixel code 200 outside the 3-value table/);
  });

  test('more than 256 distinct pixel values cannot be encoded', () => {
    const raw = Array.from({ length: 300 }, (_, i) => i / 300);
    assert.throws(() => encodeMnistCompact([{ raw, length: 1 }], 300), /more than 256 distinct pixel values/);
  });
});
