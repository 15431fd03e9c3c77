/**
 * Checks a source tree against a schema (schemaDsl.ts): types, enums, ranges, unknown and missing
 * keys, with defaults filled in. The result is plain data in the file's own shape; invalid parts
 * are replaced by INVALID so later checks can skip them. Every problem becomes a diagnostic that
 * names the key path and the bad value and points at the offending node.
 */
import { Diagnostic, DiagnosticFix, Range } from './experimentTypes';
import type { DiagnosticCode } from './diagnosticCodes';
import { SourceMap, SourceNode } from './parse';
import { ArraySchema, Checked, DiscriminatedSchema, MapSchema, NumberSchema, ObjectSchema, Schema, StringSchema, TaggedSchema, describe, describeNumber } from './schemaDsl';
import { didYouMean, suggest } from './suggest';
import { FixSource, replaceNumberFix, replaceWordFix } from './fixes';

export const INVALID: unique symbol = Symbol('invalid');
export type Invalid = typeof INVALID;

/** A tagged value (`relu`, `dense: {...}`) after checking: the tag and its options. */
export interface TaggedValue<Tag extends string = string, P = Record<string, unknown>> {
  tag: Tag;
  params: P;
}

/** A named entry of a map schema (e.g. one model), in file order. */
export interface NamedValue<T = unknown> {
  name: string;
  keyRange: Range;
  value: T;
}

export class CheckContext {
  readonly diagnostics: Diagnostic[] = [];
  /** The source node of each checked path, and the range of the key that holds it. */
  readonly nodes = new Map<string, SourceNode>();
  readonly keyRanges = new Map<string, Range>();

  /** `source`: the checked text, which the edits of renaming and layer fixes need; without it they are left out. */
  constructor(readonly source?: FixSource) {}

  error(code: DiagnosticCode, path: string, message: string, range: Range, fix?: DiagnosticFix): void {
    this.diagnostics.push({ code, severity: 'error', message: `${label(path)}: ${message}`, range, ...(fix ? { fix } : {}) });
  }

  warn(code: DiagnosticCode, path: string, message: string, range: Range, fix?: DiagnosticFix): void {
    this.diagnostics.push({ code, severity: 'warning', message: `${label(path)}: ${message}`, range, ...(fix ? { fix } : {}) });
  }

  /** The fix that renames the key or value at `range` to the near miss of `word` among `candidates`, if one is close. */
  suggestionFix(range: Range, word: string, candidates: readonly string[], taken: readonly string[] = []): DiagnosticFix | undefined {
    const near = suggest(word, candidates);
    return this.source && near !== null && !taken.includes(near) ? replaceWordFix(this.source, range, near) : undefined;
  }

  /** The range of the value at `path`, else of its key, else of the nearest ancestor that exists. */
  rangeOf(path: string): Range {
    for (let p: string | null = path; p !== null; p = parentPath(p)) {
      const node = this.nodes.get(p);
      if (node) return node.range;
      const key = this.keyRanges.get(p);
      if (key) return key;
    }
    return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  }

  /** The range of the key that holds `path` (falling back to its value's range). */
  keyRangeOf(path: string): Range {
    return this.keyRanges.get(path) ?? this.rangeOf(path);
  }
}

export function label(path: string): string {
  return path === '' ? '(top level)' : path;
}

export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  const plain = /^[A-Za-z_$][\w$-]*$/.test(key);
  if (path === '') return plain ? key : `[${JSON.stringify(key)}]`;
  return plain ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function parentPath(path: string): string | null {
  if (path === '') return null;
  const m = /^(.*?)(\.[A-Za-z_$][\w$-]*|\[[^\]]*\]|\["(?:[^"\\]|\\.)*"\])$/.exec(path);
  if (!m) return '';
  return m[1];
}

/** How a value reads in a message: `-3`, `"relux"`, `a list`, `a mapping`, `nothing`. */
export function show(node: SourceNode): string {
  if (node.kind === 'seq') return 'a list';
  if (node.kind === 'map') return 'a mapping';
  const v = node.value;
  if (v === null) return 'nothing (null)';
  if (typeof v === 'string') return v.length > 60 ? JSON.stringify(v.slice(0, 57) + '...') : JSON.stringify(v);
  return String(v);
}

/**
 * Checks `node` against `schema` at `path`: the value in the type the schema describes, with
 * INVALID wherever a part failed (reported in `ctx`); `complete` then tells whole values apart.
 * The checks below build what each kind of schema describes, so this signature is where the
 * schema's static type meets the parsed data; test/engine/experiment/schemaTypes.test.ts holds them together.
 */
export function checkNode<S extends Schema>(schema: S, node: SourceNode, path: string, ctx: CheckContext): Checked<S>;
export function checkNode(schema: Schema, node: SourceNode, path: string, ctx: CheckContext): unknown {
  return check(schema, node, path, ctx);
}

/** The value, when no part of it is INVALID; else INVALID. */
export function complete<T>(value: T): Whole<T> | Invalid;
export function complete(value: unknown): unknown {
  return hasInvalid(value) ? INVALID : value;
}

/** The mapping, when none of its keys holds INVALID (the parts of a list or mapping there may still: `complete` them); else INVALID. */
export function completeFields<T extends object>(value: T | Invalid): { [K in keyof T]: Exclude<T[K], Invalid> } | Invalid;
export function completeFields(value: object | Invalid): unknown {
  return value === INVALID || Object.values(value).includes(INVALID) ? INVALID : value;
}

/** `T` without INVALID anywhere inside: what `complete` passes on. */
export type Whole<T> = T extends Invalid ? never : T extends readonly (infer E)[] ? Whole<E>[] : T extends object ? { [K in keyof T]: Whole<T[K]> } : T;

function hasInvalid(value: unknown): boolean {
  if (value === INVALID) return true;
  if (Array.isArray(value)) return value.some(hasInvalid);
  return typeof value === 'object' && value !== null && Object.values(value).some(hasInvalid);
}

function check(schema: Schema, node: SourceNode, path: string, ctx: CheckContext): unknown {
  ctx.nodes.set(path, node);
  const nullable = 'nullable' in schema && schema.nullable;
  if (node.kind === 'scalar' && node.value === null && nullable) return null;
  switch (schema.type) {
    case 'number':
      return checkNumber(schema, node, path, ctx);
    case 'string':
      return checkString(schema, node, path, ctx);
    case 'boolean':
      if (node.kind === 'scalar' && typeof node.value === 'boolean') return node.value;
      return wrongType(schema, node, path, ctx);
    case 'object':
      return checkObject(schema, node, path, ctx);
    case 'array':
      return checkArray(schema, node, path, ctx);
    case 'map':
      return checkMap(schema, node, path, ctx);
    case 'union': {
      const variant = schema.variants.find((v) => accepts(v, node));
      return variant ? check(variant, node, path, ctx) : wrongType(schema, node, path, ctx);
    }
    case 'discriminated':
      return checkDiscriminated(schema, node, path, ctx);
    case 'tagged':
      return checkTagged(schema, node, path, ctx);
  }
}

/** Whether the node has the JSON kind the schema takes (used to pick a union variant). */
function accepts(schema: Schema, node: SourceNode): boolean {
  if (node.kind === 'scalar' && node.value === null) return 'nullable' in schema && schema.nullable === true;
  switch (schema.type) {
    case 'number':
      return node.kind === 'scalar' && typeof node.value === 'number';
    case 'string':
      return node.kind === 'scalar' && typeof node.value === 'string';
    case 'boolean':
      return node.kind === 'scalar' && typeof node.value === 'boolean';
    case 'array':
      return node.kind === 'seq';
    case 'union':
      return schema.variants.some((v) => accepts(v, node));
    default:
      return node.kind === 'map';
  }
}

function wrongType(schema: Schema, node: SourceNode, path: string, ctx: CheckContext): Invalid {
  ctx.error('wrong-type', path, `must be ${describe(schema)}, got ${show(node)}`, node.range);
  return INVALID;
}

function checkNumber(schema: NumberSchema, node: SourceNode, path: string, ctx: CheckContext): number | Invalid {
  if (node.kind !== 'scalar' || typeof node.value !== 'number') return wrongType(schema, node, path, ctx);
  const v = node.value;
  const bad = (code: DiagnosticCode, fix?: DiagnosticFix): Invalid => {
    ctx.error(code, path, `must be ${describeNumber(schema)}, got ${Number.isNaN(v) ? 'NaN' : v}`, node.range, fix);
    return INVALID;
  };
  if (!Number.isFinite(v)) return bad('out-of-range');
  if (schema.integer && !Number.isInteger(v)) return bad('not-integer');
  if (schema.minimum !== undefined && v < schema.minimum) return bad('out-of-range', replaceNumberFix(node.range, schema.minimum, 'the minimum'));
  if (schema.maximum !== undefined && v > schema.maximum) return bad('out-of-range', replaceNumberFix(node.range, schema.maximum, 'the maximum'));
  if (schema.exclusiveMinimum !== undefined && v <= schema.exclusiveMinimum) return bad('out-of-range');
  if (schema.exclusiveMaximum !== undefined && v >= schema.exclusiveMaximum) return bad('out-of-range');
  return v;
}

function checkString(schema: StringSchema, node: SourceNode, path: string, ctx: CheckContext): string | Invalid {
  if (node.kind !== 'scalar' || typeof node.value !== 'string') return wrongType(schema, node, path, ctx);
  const v = node.value;
  if (schema.enum) {
    const names = Object.keys(schema.enum);
    if (!names.includes(v)) {
      ctx.error('unknown-value', path, `must be ${describe(schema)}, got ${show(node)}${didYouMean(v, names)}`, node.range, ctx.suggestionFix(node.range, v, names));
      return INVALID;
    }
  }
  if (schema.minLength !== undefined && v.length < schema.minLength) {
    ctx.error('wrong-type', path, `must be a non-empty string, got ${show(node)}`, node.range);
    return INVALID;
  }
  if (schema.pattern && !new RegExp(schema.pattern.regex).test(v)) {
    ctx.error('invalid-name', path, `${show(node)} is not allowed: ${schema.pattern.says}`, node.range);
    return INVALID;
  }
  return v;
}

function defaultOf(schema: Schema): unknown {
  if ('default' in schema && schema.default !== undefined) return structuredClone(schema.default);
  return undefined;
}

function checkObject(schema: ObjectSchema, node: SourceNode, path: string, ctx: CheckContext, skipKey?: string, context = ''): Record<string, unknown> | Invalid {
  let map: SourceMap;
  if (node.kind === 'map') map = node;
  else if (schema.nullIsEmpty && node.kind === 'scalar' && node.value === null) map = { kind: 'map', entries: [], range: node.range };
  else return wrongType(schema, node, path, ctx);
  const out: Record<string, unknown> = {};
  const names = Object.keys(schema.properties);
  const seen = new Set<string>();
  for (const entry of map.entries) {
    if (seen.has(entry.key)) continue; // reported by the parser
    seen.add(entry.key);
    const p = childPath(path, entry.key);
    ctx.keyRanges.set(p, entry.keyRange);
    if (entry.key === skipKey) continue;
    const property = schema.properties[entry.key];
    if (!property) {
      if (schema.ignored?.includes(entry.key)) continue;
      // Renaming to a key the same source already writes would duplicate it; a sweep's path renames only its own segment.
      const taken = map.entries.filter((e) => !e.swept === !entry.swept).map((e) => e.key);
      ctx.error('unknown-key', p, `unknown key${context}${didYouMean(entry.key, names)} (known keys: ${names.join(', ')})`, entry.keyRange, ctx.suggestionFix(entry.keyRange, entry.key, names, taken));
      continue;
    }
    out[entry.key] = check(property, entry.value, p, ctx);
  }
  for (const name of names) {
    if (seen.has(name)) continue;
    if (schema.required?.includes(name)) {
      ctx.error('missing-key', childPath(path, name), `missing required key${context} (${firstSentence(schema.properties[name].description)})`, ctx.keyRangeOf(path));
      out[name] = INVALID;
      continue;
    }
    const property = schema.properties[name];
    if (property.type === 'object' && !property.required?.length) {
      out[name] = checkObject(property, { kind: 'map', entries: [], range: map.range }, childPath(path, name), ctx);
      continue;
    }
    const d = defaultOf(property);
    if (d !== undefined) out[name] = d;
    // A nullable key without a default means "decided elsewhere" (a readout's width, all digits): null.
    else if ('nullable' in property && property.nullable) out[name] = null;
  }
  return out;
}

function firstSentence(text: string): string {
  const end = text.search(/\.(\s|$)/);
  const s = end >= 0 ? text.slice(0, end) : text;
  return s.charAt(0).toLowerCase() + s.slice(1);
}

function checkArray(schema: ArraySchema, node: SourceNode, path: string, ctx: CheckContext): unknown[] | Invalid {
  if (node.kind !== 'seq') return wrongType(schema, node, path, ctx);
  if (schema.minItems !== undefined && node.items.length < schema.minItems) {
    ctx.error('empty-list', path, `must be ${describe(schema)} with at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'}, got an empty list`, node.range);
    return INVALID;
  }
  const out = node.items.map((item, i) => check(schema.items, item, childPath(path, i), ctx));
  if (schema.uniqueItems) {
    const seen = new Map<unknown, number>();
    out.forEach((v, i) => {
      if (v === INVALID || typeof v === 'object') return;
      const first = seen.get(v);
      if (first !== undefined) ctx.error('duplicate-item', childPath(path, i), `${show(node.items[i])} repeats ${childPath(path, first)}; items must be distinct`, node.items[i].range);
      else seen.set(v, i);
    });
  }
  return out;
}

function checkMap(schema: MapSchema, node: SourceNode, path: string, ctx: CheckContext): NamedValue[] | Invalid {
  if (node.kind !== 'map') return wrongType(schema, node, path, ctx);
  if (node.entries.length === 0) {
    ctx.error(schema.emptyCode, path, `must define at least one ${schema.noun}, got none`, ctx.keyRangeOf(path));
    return INVALID;
  }
  const out: NamedValue[] = [];
  const seen = new Map<string, Range>();
  for (const entry of node.entries) {
    const p = childPath(path, entry.key);
    const first = seen.get(entry.key);
    if (first) {
      ctx.error(schema.duplicateCode, p, `the name "${entry.key}" is used twice (first at line ${first.start.line + 1}); names must be unique`, entry.keyRange);
      continue;
    }
    seen.set(entry.key, entry.keyRange);
    ctx.keyRanges.set(p, entry.keyRange);
    if (schema.keyPattern && !new RegExp(schema.keyPattern.regex).test(entry.key)) {
      ctx.error('invalid-name', p, `the name ${JSON.stringify(entry.key)} is not allowed: ${schema.keyPattern.says}`, entry.keyRange);
      out.push({ name: entry.key, keyRange: entry.keyRange, value: INVALID });
      continue;
    }
    out.push({ name: entry.key, keyRange: entry.keyRange, value: check(schema.values, entry.value, p, ctx) });
  }
  return out;
}

function checkDiscriminated(schema: DiscriminatedSchema, node: SourceNode, path: string, ctx: CheckContext): Record<string, unknown> | Invalid {
  if (node.kind !== 'map') return wrongType(schema, node, path, ctx);
  const names = Object.keys(schema.variants);
  const entry = node.entries.find((e) => e.key === schema.key);
  const keyPath = childPath(path, schema.key);
  let variant: string;
  if (!entry) {
    if (schema.defaultVariant === undefined) {
      ctx.error('missing-key', keyPath, `missing required key (one of ${names.join(', ')})`, ctx.keyRangeOf(path));
      return INVALID;
    }
    variant = schema.defaultVariant;
  } else {
    ctx.nodes.set(keyPath, entry.value);
    ctx.keyRanges.set(keyPath, entry.keyRange);
    const v = entry.value;
    if (v.kind !== 'scalar' || typeof v.value !== 'string') {
      ctx.error('wrong-type', keyPath, `must be one of ${names.join(', ')}, got ${show(v)}`, v.range);
      return INVALID;
    }
    if (!names.includes(v.value)) {
      ctx.error('unknown-value', keyPath, `must be one of ${names.join(', ')}, got ${show(v)}${didYouMean(v.value, names)}`, v.range, ctx.suggestionFix(v.range, v.value, names));
      return INVALID;
    }
    variant = v.value;
  }
  const out = checkObject(schema.variants[variant], node, path, ctx, schema.key, ` for ${schema.key} ${variant}`);
  if (out === INVALID) return INVALID;
  out[schema.key] = variant;
  return out;
}

function checkTagged(schema: TaggedSchema, node: SourceNode, path: string, ctx: CheckContext): TaggedValue | Invalid {
  const tags = Object.keys(schema.tags);
  const unknown = (name: string, range: Range): Invalid => {
    ctx.error(schema.unknownCode, path, `unknown ${schema.noun} ${JSON.stringify(name)}${didYouMean(name, tags)} (known: ${tags.join(', ')})`, range, ctx.suggestionFix(range, name, tags));
    return INVALID;
  };
  if (node.kind === 'scalar' && typeof node.value === 'string') {
    const tag = node.value;
    if (!schema.tags[tag]) return unknown(tag, node.range);
    const params = checkObject(schema.tags[tag], { kind: 'map', entries: [], range: node.range }, childPath(path, tag), ctx);
    return params === INVALID ? INVALID : { tag, params };
  }
  if (node.kind === 'map' && node.entries.length === 1) {
    const [entry] = node.entries;
    if (!schema.tags[entry.key]) return unknown(entry.key, entry.keyRange);
    const p = childPath(path, entry.key);
    ctx.keyRanges.set(p, entry.keyRange);
    const params = checkObject(schema.tags[entry.key], entry.value, p, ctx);
    return params === INVALID ? INVALID : { tag: entry.key, params };
  }
  const example = `a ${schema.noun} is a name (${schema.bare[0]}) or a mapping with exactly one ${schema.noun} name (${tags[0]}: { ... })`;
  if (node.kind === 'map') {
    const keys = node.entries.map((e) => e.key);
    const hint = keys.length > 1 && schema.tags[keys[0]] && node.entries[0].value.kind === 'scalar' && node.entries[0].value.value === null
      ? `; are the options of ${keys[0]} indented under it?`
      : '';
    ctx.error(schema.invalidCode, path, `${example}, got a mapping with ${keys.length === 0 ? 'no keys' : `${keys.length} keys (${keys.join(', ')})`}${hint}`, node.range);
  } else {
    ctx.error(schema.invalidCode, path, `${example}, got ${show(node)}`, node.range);
  }
  return INVALID;
}
