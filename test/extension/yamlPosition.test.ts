/**
 * The cursor -> structure reader behind YAML completion and hover, checked against the real parser
 * on every YAML example: at each key, the reader must name the mapping it belongs to and that
 * mapping's other keys; at each scalar value, the key (or list item) it is the value of. Then the
 * half-typed text the parser cannot read: a key being typed, an open flow mapping, a blank line.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { yamlCursorAt } from '../../extension/yamlPosition';
import { showPath, withCursor, yamlExamples } from './yamlSpots';

describe('the YAML cursor reader on the example files', () => {
  const examples = yamlExamples();
  test('there are YAML examples to read', () => assert.ok(examples.length >= 5, examples.map((e) => e.file).join(', ')));
  for (const { file, text, lines, spots } of examples) {
    test(file, () => {
      assert.ok(spots.length > 20, `${spots.length} spots`);
      const wrong: string[] = [];
      const check = (offset: number, at: string, path: string, siblings: string | null, what: string): void => {
        const c = yamlCursorAt(text, offset);
        const p = lines.positionAt(offset);
        const where = `${what} at ${p.line + 1}:${p.character + 1}`;
        if (c.at !== at || showPath(c.path) !== path) wrong.push(`${where}: got ${c.at} ${showPath(c.path)}, expected ${at} ${path}`);
        else if (siblings !== null && [...c.siblings.keys()].sort().join(',') !== siblings) wrong.push(`${where}: siblings ${[...c.siblings.keys()].sort().join(',')}, expected ${siblings}`);
      };
      for (const s of spots) {
        const siblings = s.at === 'key' ? [...s.siblings.keys()].sort().join(',') : null;
        check(s.offset, s.at, showPath(s.path), siblings, `${s.at} ${s.name}`);
        // At the end of a key too (where completion of a half-typed key runs).
        if (s.at === 'key') check(s.offset + s.name.length, 'key', showPath(s.path), siblings, `end of key ${s.name}`);
      }
      assert.deepEqual(wrong, []);
    });
  }
});

/** The cursor reader at the `|` of the text. */
function at(textWithCursor: string): ReturnType<typeof yamlCursorAt> {
  const { text, offset } = withCursor(textWithCursor);
  return yamlCursorAt(text, offset);
}

describe('the YAML cursor reader on text being typed', () => {
  test('a key half typed in a block mapping', () => {
    const c = at('training:\n  steps: 10\n  lea|\nmodels:\n');
    assert.deepEqual([c.at, c.path, c.word.typed, [...c.siblings.keys()]], ['key', ['training'], 'lea', ['steps']]);
  });

  test('a blank line under a mapping: a key of the mapping at that column', () => {
    assert.deepEqual(at('data:\n  source: mnist\n  |\n').path, ['data']);
    assert.deepEqual(at('data:\n  source: mnist\n|\n').path, []);
  });

  test('a value after key: and a list item after -', () => {
    const v = at('loss: cr|\n');
    assert.deepEqual([v.at, v.path, v.word.typed], ['value', ['loss'], 'cr']);
    const item = at('network:\n  layers:\n    - dense: { width: 8 }\n    - |\n');
    assert.deepEqual([item.at, item.path], ['value', ['network', 'layers', null]]);
    const sameIndent = at('network:\n  layers:\n  - dense\n  - re|\n');
    assert.deepEqual([sameIndent.at, sameIndent.path], ['value', ['network', 'layers', null]]);
  });

  test('inside an open flow mapping: the keys so far and after, the discriminator value', () => {
    const c = at('models:\n  f: { kind: finite, wid| }\n');
    assert.deepEqual([c.at, c.path, c.flow, c.word.typed], ['key', ['models', 'f'], true, 'wid']);
    assert.equal(c.siblings.get('kind'), 'finite');
    const unclosed = at('models:\n  n: { kind: infinite, method: |\n');
    assert.deepEqual([unclosed.at, unclosed.path], ['value', ['models', 'n', 'method']]);
    const nested = at('models:\n  a: { kind: infinite, optimizer: { name: adam, be| } }\n');
    assert.deepEqual([nested.at, nested.path, [...nested.siblings.keys()]], ['key', ['models', 'a', 'optimizer'], ['name']]);
  });

  test('a block mapping under a list item', () => {
    const c = at('network:\n  layers:\n    - dense:\n        width: 3\n        w|\n    - relu\n');
    assert.deepEqual([c.at, c.path, [...c.siblings.keys()]], ['key', ['network', 'layers', null, 'dense'], ['width']]);
  });

  test('comments, quotes and CRLF line ends do not move the structure', () => {
    const c = at('# a: b\r\ndata:  # where from\r\n  "source": mnist\r\n  tr|\r\n');
    assert.deepEqual([c.at, c.path, [...c.siblings.keys()]], ['key', ['data'], ['source']]);
  });
});
