import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { detectHeader, isCsvError, looksLikeHeader, parseCsvText, parseNumber } from '../../../engine/data/csvText';

function rowsOf(text: string): string[][] {
  const result = parseCsvText(text);
  if (isCsvError(result)) throw new Error(`unexpected error: ${result.error} (line ${result.line})`);
  return result.rows;
}

function errorOf(text: string): { error: string; line: number } {
  const result = parseCsvText(text);
  assert.ok(isCsvError(result), `expected an error for ${JSON.stringify(text)}`);
  return result;
}

describe('parseCsvText', () => {
  test('LF, CRLF, lone CR and a trailing newline give the same rows', () => {
    const expected = [['a', 'b'], ['1', '2'], ['3', '4']];
    assert.deepEqual(rowsOf('a,b\n1,2\n3,4'), expected);
    assert.deepEqual(rowsOf('a,b\n1,2\n3,4\n'), expected);
    assert.deepEqual(rowsOf('a,b\r\n1,2\r\n3,4\r\n'), expected);
    assert.deepEqual(rowsOf('a,b\r1,2\r3,4\r'), expected);
  });

  test('blank lines are skipped and line numbers still name the source lines', () => {
    const result = parseCsvText('\na,b\n\n  \n1,2\r\n\r\n3,4\n\n');
    assert.ok(!isCsvError(result));
    assert.deepEqual(result.rows, [['a', 'b'], ['1', '2'], ['3', '4']]);
    assert.deepEqual(result.lines, [2, 5, 7]);
  });

  test('quoted fields hold commas, quotes and newlines (RFC 4180)', () => {
    assert.deepEqual(rowsOf('"a,b","say ""hi""","two\nlines"\n1,2,3\n'), [['a,b', 'say "hi"', 'two\nlines'], ['1', '2', '3']]);
    assert.deepEqual(rowsOf('"x\r\ny",z\n'), [['x\r\ny', 'z']]);
    assert.deepEqual(rowsOf('"",b\n'), [['', 'b']]);
  });

  test('a row after a multi-line quoted field reports its own line', () => {
    const result = parseCsvText('a,b\n"multi\nline",1\n2,3\n');
    assert.ok(!isCsvError(result));
    assert.deepEqual(result.lines, [1, 2, 4]);
    const ragged = errorOf('a,b\n"multi\nline",1\n2,3,4\n');
    assert.equal(ragged.line, 4);
  });

  test('unquoted cells are trimmed; spaces around quotes are ignored; a byte-order mark is dropped', () => {
    assert.deepEqual(rowsOf('\ufeffx, y ,\t z\n 1 , "2" ,3\n'), [['x', 'y', 'z'], ['1', '2', '3']]);
    assert.deepEqual(rowsOf('" padded ",b\n'), [[' padded ', 'b']]);
  });

  test('empty cells are kept as empty strings', () => {
    assert.deepEqual(rowsOf('a,,c\n,,\n'), [['a', '', 'c'], ['', '', '']]);
  });

  test('a ragged row is an error naming its 1-based line and both field counts', () => {
    const e = errorOf('a,b,c\n1,2,3\n\n4,5\n');
    assert.equal(e.line, 4);
    assert.match(e.error, /line 4 has 2 fields, expected 3/);
  });

  test('an unterminated quote is an error naming the line where it opened', () => {
    const e = errorOf('a,b\n1,"open\n2,3\n');
    assert.equal(e.line, 2);
    assert.match(e.error, /unterminated/);
  });

  test('text after a closing quote is an error', () => {
    const e = errorOf('a,b\n"1"x,2\n');
    assert.equal(e.line, 2);
    assert.match(e.error, /after a closing quote/);
  });

  test('empty text has no rows', () => {
    assert.deepEqual(rowsOf(''), []);
    assert.deepEqual(rowsOf('\n\n'), []);
  });
});

describe('parseNumber', () => {
  test('plain decimal numbers parse', () => {
    assert.equal(parseNumber('0'), 0);
    assert.equal(parseNumber('-1.5'), -1.5);
    assert.equal(parseNumber('+2'), 2);
    assert.equal(parseNumber('.5'), 0.5);
    assert.equal(parseNumber('3.'), 3);
    assert.equal(parseNumber('1e-3'), 0.001);
    assert.equal(parseNumber(' 7 '), 7);
  });

  test('anything Number() would quietly accept but a CSV should not is rejected', () => {
    for (const cell of ['', ' ', 'NaN', 'Infinity', '-Infinity', '0x10', '1,5', 'abc', '1e', '--1', '1e999']) {
      assert.equal(parseNumber(cell), null, cell);
    }
  });
});

describe('header detection', () => {
  test('looksLikeHeader: a row with any non-numeric cell', () => {
    assert.equal(looksLikeHeader(['x1', 'x2', 'y']), true);
    assert.equal(looksLikeHeader(['1', '2.5', '-3']), false);
    assert.equal(looksLikeHeader(['1', '2', 'cat']), true);
  });

  test('detectHeader: a headerless file with string labels has no header', () => {
    assert.equal(detectHeader([['x', 'y', 'label'], ['1', '2', 'cat']]), true);
    assert.equal(detectHeader([['1', '2', 'cat'], ['3', '4', 'dog']]), false);
    assert.equal(detectHeader([['1', '2', '3'], ['3', '4', '5']]), false);
    assert.equal(detectHeader([['x', 'y']]), true);
  });
});
