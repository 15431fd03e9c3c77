/** The YAML examples and every key and scalar of their parse trees, for the completion and hover tests. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers';
import { LineIndex, parseSource, type SourceNode } from '../../engine/experiment/parse';
import type { PathSegment } from '../../extension/yamlPosition';

export interface Spot {
  offset: number;
  at: 'key' | 'value';
  /** At a key: the mapping's path; at a value: the key's (or list item's). */
  path: PathSegment[];
  /** The key, or the scalar value's text. */
  name: string;
  /** The other keys of the mapping (at a key), with their plain values. */
  siblings: Map<string, string>;
}

const plain = (node: SourceNode): string => (node.kind === 'scalar' ? String(node.value) : '');

function walk(node: SourceNode, path: PathSegment[], lines: LineIndex, out: Spot[]): void {
  if (node.kind === 'map') {
    for (const entry of node.entries) {
      const siblings = new Map(node.entries.filter((e) => e !== entry).map((e) => [e.key, plain(e.value)]));
      out.push({ offset: lines.offsetAt(entry.keyRange.start), at: 'key', path, name: entry.key, siblings });
      if (entry.value.kind === 'scalar') {
        const all = new Map(node.entries.map((e) => [e.key, plain(e.value)]));
        out.push({ offset: lines.offsetAt(entry.value.range.end), at: 'value', path: [...path, entry.key], name: plain(entry.value), siblings: all });
      } else walk(entry.value, [...path, entry.key], lines, out);
    }
  } else if (node.kind === 'seq') {
    for (const item of node.items) {
      if (item.kind === 'scalar') out.push({ offset: lines.offsetAt(item.range.end), at: 'value', path: [...path, null], name: plain(item), siblings: new Map() });
      else walk(item, [...path, null], lines, out);
    }
  }
}

export interface YamlExample {
  file: string;
  text: string;
  lines: LineIndex;
  spots: Spot[];
}

export function yamlExamples(): YamlExample[] {
  const dir = join(repoRoot, 'examples');
  return readdirSync(dir)
    .filter((f) => /\.iwl\.ya?ml$/.test(f))
    .map((file) => {
      const text = readFileSync(join(dir, file), 'utf8');
      const parsed = parseSource(text, 'yaml');
      const spots: Spot[] = [];
      if (parsed.root) walk(parsed.root, [], parsed.lines, spots);
      return { file, text, lines: parsed.lines, spots };
    });
}

export const showPath = (path: PathSegment[]): string => path.map((p) => (p === null ? '[]' : p)).join('.');

/** The text with `|` removed, and the offset where it was. */
export function withCursor(textWithCursor: string): { text: string; offset: number } {
  const offset = textWithCursor.indexOf('|');
  if (offset < 0) throw new Error('test setup: no | cursor in the text');
  return { text: textWithCursor.slice(0, offset) + textWithCursor.slice(offset + 1), offset };
}
