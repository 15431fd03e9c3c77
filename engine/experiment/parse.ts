/**
 * Text -> a source tree that keeps where every key and value sits, for YAML and JSON experiment
 * (and kernel spec) files. Syntax errors and duplicate keys become diagnostics; nothing here throws.
 *
 * Positions are 0-based lines and UTF-16 columns, as VS Code counts them: `\n`, `\r\n` and a lone
 * `\r` each end a line.
 */
import { parseDocument, isAlias, isMap, isPair, isScalar, isSeq, visit, Node as YamlNode, Document } from 'yaml';
import { parseTree, Node as JsonNode, ParseError } from 'jsonc-parser';
import { Diagnostic, Position, Range } from './experimentTypes';
import type { DiagnosticCode } from './diagnosticCodes';
import { errorMessage } from '../contract/errors';

export interface SourceScalar {
  kind: 'scalar';
  value: string | number | boolean | null;
  range: Range;
}

export interface SourceSeq {
  kind: 'seq';
  items: SourceNode[];
  range: Range;
}

export interface SourceEntry {
  key: string;
  keyRange: Range;
  value: SourceNode;
  /** Not in the file: a sweep's path made it (engine/experiment/sweep.ts); keyRange is that path's segment. */
  swept?: boolean;
}

/** A mapping. Duplicate keys are kept in `entries` (in file order) and reported by the parser. */
export interface SourceMap {
  kind: 'map';
  entries: SourceEntry[];
  range: Range;
}

export type SourceNode = SourceScalar | SourceSeq | SourceMap;

export type SourceFormat = 'yaml' | 'json';

export interface ParsedSource {
  /** null when the text holds no value at all (empty, only comments) or could not be parsed. */
  root: SourceNode | null;
  diagnostics: Diagnostic[];
  lines: LineIndex;
}

/** Offset <-> position conversion for one text. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) this.starts.push(i + 1);
      else if (c === 13 && text.charCodeAt(i + 1) !== 10) this.starts.push(i + 1);
    }
  }

  positionAt(offset: number): Position {
    const o = Math.max(0, Math.min(Number.isFinite(offset) ? Math.floor(offset) : 0, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: o - this.starts[lo] };
  }

  /** The offset of a position (clamped to its line and to the text). */
  offsetAt(position: Position): number {
    const line = Math.max(0, Math.min(position.line, this.starts.length - 1));
    const next = line + 1 < this.starts.length ? this.starts[line + 1] : this.text.length;
    return Math.min(this.starts[line] + Math.max(0, position.character), next);
  }

  range(start: number, end: number): Range {
    return { start: this.positionAt(start), end: this.positionAt(Math.max(start, end)) };
  }
}

/** A zero-length range at the start of a file. */
export const fileStart: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/** `.json` files are JSON; everything else (`.iwl.yaml`, `.iwl.yml`, ...) is YAML. */
export function formatOf(filePath: string): SourceFormat {
  return /\.json$/i.test(filePath) ? 'json' : 'yaml';
}

export type DecodeResult = { text: string; diagnostic: null } | { text: null; diagnostic: Diagnostic };

/**
 * Bytes -> text: an empty file, a binary file (NUL bytes) and bytes that are not UTF-8 each give
 * one diagnostic instead of text. A UTF-8 byte order mark is dropped.
 */
export function decodeBytes(input: Uint8Array | Buffer): DecodeResult {
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const fail = (code: DiagnosticCode, message: string, range: Range = fileStart): DecodeResult => ({
    text: null,
    diagnostic: { code, severity: 'error', message, range },
  });
  if (bytes.length === 0) return fail('empty-file', 'the file is empty: an experiment needs at least data, network and models');
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    return fail('binary-file', `the file is binary (a NUL byte at byte ${nul}), not YAML or JSON text`, rangeOfByte(bytes, nul));
  }
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return { text, diagnostic: null };
  } catch {
    const bad = firstInvalidUtf8(bytes);
    return fail('invalid-utf8', `the file is not valid UTF-8 text (bad byte 0x${bytes[bad]?.toString(16).padStart(2, '0') ?? '??'} at byte ${bad}); save it as UTF-8`, rangeOfByte(bytes, bad));
  }
}

/** The position of byte `at`, counting the (valid) UTF-8 text before it. */
function rangeOfByte(bytes: Uint8Array, at: number): Range {
  const before = new TextDecoder('utf-8').decode(bytes.subarray(0, at));
  const lines = new LineIndex(before);
  const p = lines.positionAt(before.length);
  return { start: p, end: { line: p.line, character: p.character + 1 } };
}

function firstInvalidUtf8(bytes: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const length = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    if (length > 1) {
      try {
        decoder.decode(bytes.subarray(i, i + length));
      } catch {
        return i;
      }
    }
    i += length;
  }
  return Math.max(0, bytes.length - 1);
}

/** Parses YAML or JSON text into a source tree. Never throws. */
export function parseSource(text: string, format: SourceFormat): ParsedSource {
  const lines = new LineIndex(text);
  try {
    if (text.trim() === '') {
      return { root: null, lines, diagnostics: [{ code: 'empty-file', severity: 'error', message: 'the file holds only whitespace: an experiment needs at least data, network and models', range: fileStart }] };
    }
    return format === 'json' ? parseJson(text, lines) : parseYaml(text, lines);
  } catch (error) {
    // The parsers can run out of stack on absurdly deep nesting; that is a property of the input.
    const message = errorMessage(error);
    const why = /call stack/i.test(message) ? 'it nests too deeply' : message;
    return { root: null, lines, diagnostics: [{ code: 'syntax-error', severity: 'error', message: `the file could not be parsed (${why})`, range: fileStart }] };
  }
}

// ---------------------------------------------------------------------------------------------- YAML

function parseYaml(text: string, lines: LineIndex): ParsedSource {
  const diagnostics: Diagnostic[] = [];
  // The yaml package breaks lines at \n only; VS Code also at a lone \r. Same length, so offsets still match.
  const source = text.replace(/\r(?!\n)/g, '\n');
  const doc: Document.Parsed = parseDocument(source, { uniqueKeys: false, prettyErrors: false, strict: true });
  const byStart = new Map<number, Diagnostic>();
  for (const error of doc.errors) {
    const start = unterminatedQuoteStart(doc, error.code, error.message, error.pos[0]) ?? error.pos[0];
    const indentation = error.code === 'BLOCK_AS_IMPLICIT_KEY' || error.code === 'MULTILINE_IMPLICIT_KEY';
    const endLine = lines.positionAt(error.pos[1]).line;
    const hint = indentation && endLine > lines.positionAt(start).line ? ` (check the indentation of line ${endLine + 1})` : '';
    const known = byStart.get(start);
    if (known) {
      // A second complaint about the same spot adds nothing but, sometimes, where the real problem is.
      if (hint && !known.message.includes('(check the indentation')) known.message += hint;
      continue;
    }
    const message = start !== error.pos[0]
      ? `YAML: this quoted string is never closed (${error.message.split('\n')[0].replace(/^Missing closing /, 'missing closing ')})`
      : yamlMessage(error.code, error.message) + hint;
    const end = start === error.pos[0] ? Math.max(start + 1, error.pos[1]) : start + 1;
    const diagnostic: Diagnostic = { code: 'syntax-error', severity: 'error', message, range: lines.range(start, end) };
    byStart.set(start, diagnostic);
    diagnostics.push(diagnostic);
  }
  for (const warning of doc.warnings) {
    diagnostics.push({ code: 'yaml-warning', severity: 'warning', message: yamlMessage(warning.code, warning.message), range: lines.range(warning.pos[0], warning.pos[1]) });
  }
  if (doc.errors.length > 0) return { root: null, diagnostics, lines };
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null && doc.contents.range?.[0] === doc.contents.range?.[1])) {
    diagnostics.push({ code: 'empty-file', severity: 'error', message: 'the file holds no value (only comments?): an experiment needs at least data, network and models', range: fileStart });
    return { root: null, diagnostics, lines };
  }
  const convert = new YamlConverter(doc, lines, diagnostics);
  return { root: convert.node(doc.contents, 0), diagnostics, lines };
}

/** For "Missing closing quote" (reported at the end of the file), where the unclosed string starts. */
function unterminatedQuoteStart(doc: Document.Parsed, code: string, message: string, at: number): number | null {
  if (code !== 'MISSING_CHAR' || !/closing ["']?quote/i.test(message)) return null;
  let best: number | null = null;
  visit(doc, {
    Scalar(_key, node) {
      const start = node.range?.[0];
      const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
      if (quoted && start !== undefined && start <= at && (best === null || start > best)) best = start;
    },
  });
  return best;
}

function yamlMessage(code: string, message: string): string {
  if (code === 'MULTIPLE_DOCS') return 'YAML: a second document starts here (---); an experiment file holds one document';
  if (/call stack/i.test(message)) return 'YAML: the file nests too deeply to parse';
  const first = message.split('\n')[0].replace(/\s+at line \d+, column \d+:?$/, '').trim();
  return `YAML: ${first}`;
}

const maxDepth = 200;

class YamlConverter {
  constructor(
    private readonly doc: Document.Parsed,
    private readonly lines: LineIndex,
    private readonly diagnostics: Diagnostic[],
  ) {}

  private rangeOf(node: YamlNode | null | undefined, fallback: number): Range {
    const r = node?.range;
    return r ? this.lines.range(r[0], r[1]) : this.lines.range(fallback, fallback);
  }

  /** `aliasRange`: set inside a value reached through an alias (`*name`): problems there point at the alias. */
  node(node: unknown, depth: number, fallbackOffset = 0, aliasRange?: Range): SourceNode {
    const yamlNode = node as YamlNode | null;
    const range = aliasRange ?? this.rangeOf(yamlNode, fallbackOffset);
    if (depth > maxDepth) {
      this.diagnostics.push({ code: 'syntax-error', severity: 'error', message: `YAML: nesting deeper than ${maxDepth} levels (a recursive alias?)`, range });
      return { kind: 'scalar', value: null, range };
    }
    if (node === null || node === undefined) return { kind: 'scalar', value: null, range };
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      return this.node(target ?? null, depth + 1, fallbackOffset, range);
    }
    if (isScalar(node)) {
      const v = node.value;
      const value = v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : typeof v === 'bigint' ? Number(v) : String(v);
      return { kind: 'scalar', value, range };
    }
    if (isSeq(node)) {
      const end = node.range?.[0] ?? fallbackOffset;
      return { kind: 'seq', items: node.items.map((item) => this.node(item, depth + 1, end, aliasRange)), range };
    }
    if (isMap(node)) {
      const entries: SourceEntry[] = [];
      const seen = new Map<string, Range>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as YamlNode | null;
        const keyStart = keyNode?.range?.[0] ?? node.range?.[0] ?? fallbackOffset;
        const keyRange = aliasRange ?? this.rangeOf(keyNode, keyStart);
        let key: string | null = null;
        const resolved = isAlias(keyNode) ? keyNode.resolve(this.doc) : keyNode;
        if (isScalar(resolved) && resolved.value !== null && typeof resolved.value !== 'object') key = String(resolved.value);
        if (key === null) {
          this.diagnostics.push({ code: 'invalid-key', severity: 'error', message: `YAML: a key must be a plain name, got ${keyNode ? (isScalar(resolved) ? 'an empty key' : 'a list or mapping as key') : 'an empty key'}`, range: keyRange });
          continue;
        }
        const previous = seen.get(key);
        if (previous) {
          this.diagnostics.push({ code: 'duplicate-key', severity: 'error', message: `"${key}" appears twice in one mapping (first at line ${previous.start.line + 1})`, range: keyRange });
        } else seen.set(key, keyRange);
        const valueFallback = keyNode?.range?.[1] ?? keyStart;
        entries.push({ key, keyRange, value: this.node(pair.value, depth + 1, valueFallback, aliasRange) });
      }
      return { kind: 'map', entries, range };
    }
    return { kind: 'scalar', value: null, range };
  }
}

// ---------------------------------------------------------------------------------------------- JSON

/** jsonc-parser's ParseErrorCode (a const enum, so spelled out as numbers here). */
const jsonErrorText: Record<number, string> = {
  1 /* InvalidSymbol */: 'unexpected character',
  2 /* InvalidNumberFormat */: 'malformed number',
  3 /* PropertyNameExpected */: 'expected a property name in double quotes',
  4 /* ValueExpected */: 'expected a value',
  5 /* ColonExpected */: "expected ':'",
  6 /* CommaExpected */: "expected ','",
  7 /* CloseBraceExpected */: "expected '}'",
  8 /* CloseBracketExpected */: "expected ']'",
  9 /* EndOfFileExpected */: 'expected the end of the file after the top-level value',
  10 /* InvalidCommentToken */: 'comments are not allowed in JSON (use a .iwl.yaml file for comments)',
  11 /* UnexpectedEndOfComment */: 'unterminated comment',
  12 /* UnexpectedEndOfString */: 'unterminated string',
  13 /* UnexpectedEndOfNumber */: 'unterminated number',
  14 /* InvalidUnicode */: 'invalid unicode escape',
  15 /* InvalidEscapeCharacter */: 'invalid escape character in string',
  16 /* InvalidCharacter */: 'invalid character in string (control characters must be escaped)',
};

function parseJson(text: string, lines: LineIndex): ParsedSource {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const diagnostics: Diagnostic[] = [];
  // Later errors are mostly consequences of the first one: report the first, precisely.
  const e = errors[0];
  if (e) {
    // A trailing comma reads as "expected a property name / a value" at the closing bracket: say what it is.
    const before = text.slice(0, e.offset).trimEnd();
    const closing = text[e.offset] === '}' || text[e.offset] === ']';
    const trailing = closing && before.endsWith(',') && (e.error === 3 || e.error === 4);
    const offset = trailing ? before.length - 1 : e.offset;
    const ch = text[e.offset] ?? '';
    let message = trailing ? `a trailing comma before '${ch}' is not allowed in JSON` : jsonErrorText[e.error] ?? 'syntax error';
    if (e.error === 1 && ch) message += ` ${JSON.stringify(ch)}${ch === "'" ? ' (JSON strings and keys need double quotes)' : ''}`;
    diagnostics.push({ code: 'syntax-error', severity: 'error', message: `JSON: ${message}`, range: lines.range(offset, offset + Math.max(1, trailing ? 1 : e.length)) });
  }
  if (errors.length > 0 || !tree) {
    if (diagnostics.length === 0) diagnostics.push({ code: 'syntax-error', severity: 'error', message: 'JSON: expected a value', range: fileStart });
    return { root: null, diagnostics, lines };
  }
  return { root: convertJson(tree, lines, diagnostics, 0), diagnostics, lines };
}

function convertJson(node: JsonNode, lines: LineIndex, diagnostics: Diagnostic[], depth: number): SourceNode {
  const range = lines.range(node.offset, node.offset + node.length);
  if (depth > maxDepth) {
    diagnostics.push({ code: 'syntax-error', severity: 'error', message: `JSON: nesting deeper than ${maxDepth} levels`, range });
    return { kind: 'scalar', value: null, range };
  }
  switch (node.type) {
    case 'array':
      return { kind: 'seq', items: (node.children ?? []).map((c) => convertJson(c, lines, diagnostics, depth + 1)), range };
    case 'object': {
      const entries: SourceEntry[] = [];
      const seen = new Map<string, Range>();
      for (const prop of node.children ?? []) {
        const [keyNode, valueNode] = prop.children ?? [];
        if (!keyNode || !valueNode) continue;
        const key = String(keyNode.value);
        const keyRange = lines.range(keyNode.offset, keyNode.offset + keyNode.length);
        const previous = seen.get(key);
        if (previous) {
          diagnostics.push({ code: 'duplicate-key', severity: 'error', message: `"${key}" appears twice in one object (first at line ${previous.start.line + 1})`, range: keyRange });
        } else seen.set(key, keyRange);
        entries.push({ key, keyRange, value: convertJson(valueNode, lines, diagnostics, depth + 1) });
      }
      return { kind: 'map', entries, range };
    }
    case 'string':
    case 'number':
    case 'boolean':
    case 'null':
      return { kind: 'scalar', value: node.value ?? null, range };
    default:
      return { kind: 'scalar', value: null, range };
  }
}
