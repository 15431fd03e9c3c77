import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset, Dataset } from '../../../engine/data/dataset';
import { IwlError } from '../../../engine/util/iwlError';
import { toRows } from '../../../engine/util/matrix';
import { repoRoot, tempDir } from '../../helpers';

const fixtures = join(repoRoot, 'test', 'fixtures', 'data');
const fixture = (name: string) => join(fixtures, name);

type Task = 'classification' | 'regression' | null;

function csv(path: string, target: string, test: number | string, task: Task = null, seed = 0): Promise<Dataset> {
  return loadDataset({ source: 'csv', path, target, test, task }, seed);
}

/** Rows as "features -> target" strings, to compare sets of rows regardless of order. */
function rowKeys(x: Dataset['xTrain'], y: Dataset['yTrain']): string[] {
  const ys = toRows(y);
  return toRows(x).map((r, i) => `${r.join(' ')} -> ${ys[i].join(' ')}`);
}

async function rejectsWith(promise: Promise<unknown>, code: string, ...patterns: RegExp[]): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof IwlError, `expected an IwlError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

describe('csv data', () => {
  test('string labels become sorted classes with one-hot targets; a fraction split is seeded', async () => {
    const data = await csv(fixture('flowers.csv'), 'species', 0.25);
    assert.equal(data.task, 'classification');
    assert.deepEqual(data.classNames, ['setosa', 'versicolor', 'virginica']);
    assert.deepEqual([data.inputDim, data.outputs], [2, 3]);
    assert.deepEqual([data.xTrain.rows, data.xTest.rows], [9, 3]);
    assert.ok(data.xTrain.data instanceof Float32Array && data.yTrain.data instanceof Float32Array);
    assert.match(data.description, /classification, 3 classes, inferred/);
    // Every row of the file appears once, in train or test, with its own label.
    const expected = [
      [5.1, 1.4, 0], [4.9, 1.4, 0], [4.7, 1.3, 0], [4.6, 1.5, 0], [7.0, 4.7, 1], [6.4, 4.5, 1],
      [6.9, 4.9, 1], [5.5, 4.0, 1], [6.3, 6.0, 2], [5.8, 5.1, 2], [7.1, 5.9, 2], [6.5, 5.8, 2],
    ].map(([a, b, k]) => `${Math.fround(a)} ${Math.fround(b)} -> ${[0, 1, 2].map((j) => (j === k ? 1 : 0)).join(' ')}`);
    const got = [...rowKeys(data.xTrain, data.yTrain), ...rowKeys(data.xTest, data.yTest)];
    assert.deepEqual(got.slice().sort(), expected.slice().sort());
    assert.deepEqual(Array.from(data.labelsTrain!), toRows(data.yTrain).map((r) => r.indexOf(1)));

    const again = await csv(fixture('flowers.csv'), 'species', 0.25);
    assert.deepEqual(again, data);
    const other = await Promise.all([1, 2, 3, 4].map((seed) => csv(fixture('flowers.csv'), 'species', 0.25, null, seed)));
    const tests = new Set([data, ...other].map((d) => rowKeys(d.xTest, d.yTest).sort().join('|')));
    assert.ok(tests.size > 1, 'five seeds all held out the same rows');
  });

  test('regression keeps targets as they are; CRLF line endings', async () => {
    const data = await csv(fixture('regression.csv'), 'y', 0.3);
    assert.equal(data.task, 'regression');
    assert.equal(data.classNames, null);
    assert.equal(data.labelsTrain, null);
    assert.deepEqual([data.inputDim, data.outputs, data.yTrain.cols, data.xTrain.rows, data.xTest.rows], [2, 1, 1, 7, 3]);
    const rows = [[0, 0, 0.5], [1, 0, 1.5], [0, 1, -0.25], [1, 1, 2], [2, 0, 2.5], [0, 2, -1], [2, 2, 3.75], [3, 1, 4], [1, 3, -2.5], [3, 3, 5.125]];
    const got = [...rowKeys(data.xTrain, data.yTrain), ...rowKeys(data.xTest, data.yTest)];
    assert.deepEqual(got.sort(), rows.map(([a, b, y]) => `${a} ${b} -> ${y}`).sort());
  });

  test('quoted header names and cells, quoted labels with commas and quotes, a blank line', async () => {
    const data = await csv(fixture('quoted.csv'), 'label', 0.5);
    assert.deepEqual(data.classNames, ['big, round', 'small "s"']);
    const got = [...rowKeys(data.xTrain, data.yTrain), ...rowKeys(data.xTest, data.yTest)].sort();
    assert.deepEqual(got, ['1.5 2 -> 1 0', '2.5 3 -> 0 1', '3.5 4 -> 1 0', '4.5 5 -> 0 1']);
    // Another target makes the labels features: the error quotes the cell as the file has it.
    await rejectsWith(csv(fixture('quoted.csv'), 'height "h"', 0.5), 'DATA_CSV_NOT_NUMERIC', /quoted\.csv:2:/, /column "label" \(column 3\)/, /got "big, round"/);
  });

  test('without a header the target is named by index; string labels do not make a header', async () => {
    const data = await csv(fixture('noheader.csv'), '-1', 0.5);
    assert.deepEqual(data.classNames, ['cat', 'dog']);
    assert.deepEqual([data.xTrain.rows + data.xTest.rows, data.inputDim], [4, 2]);
    const same = await csv(fixture('noheader.csv'), 'col2', 0.5);
    assert.deepEqual(same, data);
  });

  test('integer targets with few values are classes; task forces either reading', async () => {
    const inferred = await csv(fixture('integer-labels.csv'), 'digit', 0.25);
    assert.equal(inferred.task, 'classification');
    assert.deepEqual(inferred.classNames, ['0', '1', '2']);
    const forced = await csv(fixture('integer-labels.csv'), 'digit', 0.25, 'regression');
    assert.equal(forced.task, 'regression');
    assert.equal(forced.outputs, 1);
    assert.doesNotMatch(forced.description, /inferred/);
    // Numeric regression targets read as classes when asked: each distinct value is a class.
    const classes = await csv(fixture('regression.csv'), 'y', 0.3, 'classification');
    assert.deepEqual(classes.classNames, ['-2.5', '-1', '-0.25', '0.5', '1.5', '2', '2.5', '3.75', '4', '5.125']);
  });

  test('a test file: all rows train, the second file tests, its columns matched by name', async () => {
    const data = await csv(fixture('train.csv'), 'target', fixture('test-reordered.csv'));
    assert.equal(data.task, 'regression');
    assert.deepEqual(toRows(data.xTrain), [[1, 2], [2, 3], [3, 4], [4, 5]]);
    assert.deepEqual(toRows(data.yTrain), [[3], [5], [7], [9]]);
    assert.deepEqual(toRows(data.xTest), [[5, 6], [6, 7]]);
    assert.deepEqual(toRows(data.yTest), [[11], [13]]);
  });

  test('errors name the file, line, column and value', async () => {
    await rejectsWith(csv(fixture('bad-cell.csv'), 'target', 0.25), 'DATA_CSV_NOT_NUMERIC', /bad-cell\.csv:4:/, /column "b" \(column 2\)/, /"oops"/);
    await rejectsWith(csv(fixture('ragged.csv'), 'target', 0.25), 'DATA_CSV_SYNTAX', /ragged\.csv:3:/, /2 fields, expected 3/);
    await rejectsWith(csv(fixture('flowers.csv'), 'colour', 0.25), 'DATA_CSV_NO_TARGET', /flowers\.csv/, /"colour"/, /"sepal", "petal", "species"/);
    await rejectsWith(csv(fixture('train.csv'), 'target', fixture('test-mismatch.csv')), 'DATA_CSV_COLUMNS_MISMATCH', /test-mismatch\.csv/, /missing "b"/, /"c"/);
    await rejectsWith(csv(fixture('one-row.csv'), 'target', 0.5), 'DATA_TOO_FEW_ROWS', /one-row\.csv/, /1 data row/);
    await rejectsWith(csv(fixture('flowers.csv'), 'species', 0.25, 'regression'), 'DATA_CSV_NOT_NUMERIC', /flowers\.csv:2:/, /"species"/, /"setosa"/);
    await rejectsWith(csv(fixture('missing.csv'), 'y', 0.25), 'DATA_FILE_UNREADABLE', /missing\.csv/);
  });

  test('empty, binary and non-UTF-8 files are clear errors', async () => {
    const dir = tempDir();
    const write = (name: string, bytes: Buffer | string) => {
      writeFileSync(join(dir, name), typeof bytes === 'string' ? bytes : new Uint8Array(bytes));
      return join(dir, name);
    };
    await rejectsWith(csv(write('empty.csv', ''), 'y', 0.5), 'DATA_TOO_FEW_ROWS', /no rows/);
    await rejectsWith(csv(write('binary.csv', Buffer.from([1, 0, 2, 0])), 'y', 0.5), 'DATA_CSV_BINARY');
    await rejectsWith(csv(write('latin1.csv', Buffer.from('a,b\n1,caf\xe9\n', 'latin1')), 'b', 0.5), 'DATA_CSV_ENCODING', /UTF-8/);
    await rejectsWith(csv(write('header-only.csv', 'a,y\n'), 'y', write('header-only-test.csv', 'a,y\n1,2\n')), 'DATA_TOO_FEW_ROWS', /header-only\.csv/, /no data rows/);
    await rejectsWith(csv(write('gap.csv', 'a,y\n1,2\n,3\n4,5\n'), 'y', 0.5), 'DATA_CSV_NOT_NUMERIC', /gap\.csv:3:/, /an empty cell/);
  });
});
