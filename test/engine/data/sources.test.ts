import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mnistPackage } from '../../../engine/data/mnist';
import { findColumn, inspectCsvText, MNIST_CLASS_COUNTS, MNIST_INPUT_DIM, mnistAvailable } from '../../../engine/data/sources';

describe('sources', () => {
  test('MNIST_CLASS_COUNTS equal what the mnist package ships', () => {
    const digits = mnistPackage();
    assert.deepEqual(digits.map((d) => d.raw.length / MNIST_INPUT_DIM), [...MNIST_CLASS_COUNTS]);
    assert.deepEqual(digits.map((d) => d.length), [...MNIST_CLASS_COUNTS]);
    assert.equal(MNIST_CLASS_COUNTS.reduce((a, b) => a + b, 0), 10_000);
  });

  test('mnistAvailable sums the selected classes', () => {
    assert.equal(mnistAvailable(null), 10_000);
    assert.equal(mnistAvailable([0, 1]), 1001 + 1127);
    assert.equal(mnistAvailable([5, 5]), 863);
    assert.equal(mnistAvailable([]), 0);
  });

  test('inspectCsvText: header names, data row count, numeric columns', () => {
    const info = inspectCsvText('x,y,label\n1,2,cat\n3,4,dog\n');
    assert.ok(!('error' in info));
    assert.deepEqual(info, { rows: 2, columns: ['x', 'y', 'label'], numericColumns: ['x', 'y'], hasHeader: true });
  });

  test('inspectCsvText: without a header the columns are col0..colN-1', () => {
    const info = inspectCsvText('1,2,cat\n3,4,dog\n');
    assert.ok(!('error' in info));
    assert.deepEqual(info, { rows: 2, columns: ['col0', 'col1', 'col2'], numericColumns: ['col0', 'col1'], hasHeader: false });
  });

  test('inspectCsvText: syntax errors and empty files carry a line', () => {
    assert.deepEqual(inspectCsvText('a,b\n1,2\n1\n'), { error: 'line 3 has 1 field, expected 2 as on line 1', line: 3 });
    assert.equal((inspectCsvText('\n') as { line: number }).line, 1);
  });

  test('findColumn: names, and indices or colK only without a header', () => {
    assert.equal(findColumn(['a', 'b', 'c'], 'b', true), 1);
    assert.equal(findColumn(['a', 'b', 'c'], '1', true), -1);
    assert.equal(findColumn(['col0', 'col1', 'col2'], 'col2', false), 2);
    assert.equal(findColumn(['col0', 'col1', 'col2'], '2', false), 2);
    assert.equal(findColumn(['col0', 'col1', 'col2'], '-1', false), 2);
    assert.equal(findColumn(['col0', 'col1', 'col2'], '3', false), -1);
  });
});
