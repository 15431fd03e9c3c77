/** The package tests' shared check: decoded digits equal the mnist package's, number for number. */
import assert from 'node:assert/strict';
import { mnistPackage } from '../../engine/data/mnist';
import { MNIST_INPUT_DIM } from '../../engine/data/sources';

/** Asserts every pixel of every digit is the package's number (===, not within a tolerance). */
export function assertSameDigits(decoded: { raw: ArrayLike<number>; length: number }[]): void {
  const digits = mnistPackage();
  assert.equal(decoded.length, digits.length);
  digits.forEach((d, c) => {
    assert.equal(decoded[c].length, d.length, `class ${c} count`);
    assert.equal(decoded[c].raw.length, d.raw.length, `class ${c} values`);
    for (let i = 0; i < d.raw.length; i++) {
      if (decoded[c].raw[i] !== d.raw[i]) assert.fail(`class ${c}, digit ${Math.floor(i / MNIST_INPUT_DIM)}, pixel ${i % MNIST_INPUT_DIM}: ${decoded[c].raw[i]} != ${d.raw[i]}`);
    }
  });
}
