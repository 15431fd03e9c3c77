/**
 * Completion and hover for YAML experiment files from THE schema (engine/experiment/schema.ts),
 * the one the validator, the JSON Schema and the reference are made from: keys valid at the
 * cursor, allowed values, layer names, snippets for a new model, and each key's reference text.
 * yamlPosition.ts says where the cursor is; this says what the schema allows there. Pure: the
 * VS Code adapter is yamlLanguage.ts.
 */
import { experimentSchema } from '../engine/experiment/schema';
import { Schema, describe, describeDefault } from '../engine/experiment/schemaDsl';
import { PathSegment, YamlCursor, wordAt, yamlCursorAt } from './yamlPosition';

export interface CompletionEntry {
  label: string;
  kind: 'key' | 'value' | 'layer' | 'snippet';
  /** VS Code snippet syntax ($1, ${1:text}, ${1|a,b|}). */
  insertText: string;
  /** One line: the type, or what a value means. */
  detail: string;
  /** Markdown: the reference text. */
  documentation: string;
  /** Keeps the schema's order in the list. */
  sortText: string;
  /** The schema's default (listed first among values). */
  preferred?: boolean;
}

export interface Completions {
  items: CompletionEntry[];
  /** The offsets the chosen item replaces: the name typed so far (and its rest after the cursor). */
  start: number;
  end: number;
}

/** Where schemas of a path come from: several where a union or an unknown discriminator leaves it open. */
function expand(schema: Schema): Schema[] {
  return schema.type === 'union' ? schema.variants.flatMap(expand) : [schema];
}

/** The mapping variants a discriminated schema may be, given the keys written so far (all when its key is unknown). */
function variantsOf(schema: Schema, siblings: Map<string, string> | null): Schema[] {
  if (schema.type !== 'discriminated') return [schema];
  const chosen = siblings?.get(schema.key) ?? schema.defaultVariant;
  const variant = chosen !== undefined ? schema.variants[chosen] : undefined;
  return variant ? [variant] : Object.values(schema.variants);
}

function child(schema: Schema, segment: PathSegment): Schema[] {
  switch (schema.type) {
    case 'object': {
      const s = segment === null ? undefined : schema.properties[segment];
      return s ? [s] : [];
    }
    case 'map':
      return segment === null ? [] : [schema.values];
    case 'array':
      return segment === null ? [schema.items] : [];
    case 'tagged': {
      const s = segment === null ? undefined : schema.tags[segment];
      return s ? [s] : [];
    }
    default:
      return [];
  }
}

/** The schemas at `path`; `siblings` picks the variant of a discriminated mapping at depth `siblingsDepth`. */
export function schemasAt(path: PathSegment[], siblings: Map<string, string> | null = null, siblingsDepth = path.length, root: Schema = experimentSchema): Schema[] {
  let current: Schema[] = expand(root);
  for (let i = 0; i < path.length; i++) {
    const known = i === siblingsDepth ? siblings : null;
    const next: Schema[] = [];
    for (const s of current) for (const v of variantsOf(s, known)) next.push(...child(v, path[i]));
    // A key both variants have (steps, optimizer, ...) is the same key: keep the first.
    current = [...new Set(next.flatMap(expand))];
    if (current.length === 0) return [];
  }
  return current.flatMap((s) => variantsOf(s, path.length === siblingsDepth ? siblings : null)).flatMap(expand);
}

const pad = (n: number): string => String(n).padStart(3, '0');
const escapeSnippet = (text: string): string => text.replace(/[$}\\]/g, (c) => `\\${c}`);
const choice = (stop: number, names: string[], first?: string): string => {
  const ordered = first !== undefined && names.includes(first) ? [first, ...names.filter((n) => n !== first)] : names;
  return `\${${stop}|${ordered.join(',')}|}`;
};

/** The text a snippet inserts with every placeholder at its first choice or default. */
export function plainSnippet(snippet: string): string {
  return snippet.replace(/\$\{\d+\|([^,|}]*)[^}]*\}/g, '$1').replace(/\$\{\d+:([^}]*)\}/g, '$1').replace(/\$\d+/g, '');
}

/** The reference text of one key: its type, default and description (markdown). */
export function keyDocumentation(name: string, schema: Schema, required: boolean): string {
  const lines = [`**${name}**: ${describe(schema)}`, '', schema.description, '', `Default: ${describeDefault(schema, required)}`];
  if (schema.type === 'string' && schema.enum) lines.push('', ...Object.entries(schema.enum).map(([v, d]) => `- \`${v}\`: ${d}`));
  return lines.join('\n');
}

/** A snippet for the value of a key (tab stop `stop`): a choice of names, a mapping or list to fill in, or a tab stop. */
function valueSnippet(schema: Schema, flow: boolean, stop = 1): string {
  switch (schema.type) {
    case 'string':
      return schema.enum ? choice(stop, Object.keys(schema.enum), schema.default) : `$${stop}`;
    case 'boolean':
      return choice(stop, ['true', 'false'], String(schema.default));
    case 'number':
      return schema.default !== undefined ? `\${${stop}:${schema.default}}` : `$${stop}`;
    case 'union': {
      const names = schema.variants.flatMap((v) => (v.type === 'string' && v.enum ? Object.keys(v.enum) : []));
      if (names.length) return choice(stop, names, typeof schema.default === 'string' ? schema.default : undefined);
      return schema.default !== undefined ? `\${${stop}:${JSON.stringify(schema.default)}}` : `$${stop}`;
    }
    case 'array':
      return schema.items.type === 'tagged' && !flow ? '\n  - $0' : `[$${stop}]`;
    default:
      return flow ? `{ $${stop} }` : '\n  $0';
  }
}

function keyEntries(schemas: Schema[], cursor: YamlCursor): CompletionEntry[] {
  const out = new Map<string, CompletionEntry>();
  const add = (name: string, schema: Schema, required: boolean, order: number): void => {
    if (out.has(name) || cursor.siblings.has(name)) return;
    out.set(name, {
      label: name,
      kind: 'key',
      insertText: `${escapeSnippet(name)}: ${valueSnippet(schema, cursor.flow)}`.replace(/: \n/, ':\n'),
      detail: describe(schema),
      documentation: keyDocumentation(name, schema, required),
      sortText: pad(order),
    });
  };
  for (const schema of schemas) {
    if (schema.type === 'object') Object.entries(schema.properties).forEach(([k, v], i) => add(k, v, schema.required?.includes(k) ?? false, i));
    else if (schema.type === 'tagged') Object.entries(schema.tags).forEach(([k, v], i) => add(k, v, false, i));
    else if (schema.type === 'map') newEntrySnippets(schema.values).forEach((e) => out.set(e.label, e));
  }
  return [...out.values()];
}

/** Example values for a new model's keys that have no default of their own. */
const newModelExamples: Record<string, (stop: number) => string> = { widths: (stop) => `[\${${stop}:64, 256, 1024}]` };
/** The keys a new model's snippet fills in, where its kind has them (the rest keep their defaults). */
const newModelKeys = ['method', 'widths', 'seeds'];

/** One snippet per kind of entry of a map of named mappings (models: a finite and an infinite model). */
function newEntrySnippets(values: Schema): CompletionEntry[] {
  if (values.type !== 'discriminated') return [];
  return Object.entries(values.variants).map(([variant, schema], i) => {
    const parts = [`${values.key}: ${variant}`];
    let stop = 2;
    for (const key of newModelKeys) {
      const s = schema.properties[key];
      if (!s) continue;
      parts.push(`${key}: ${newModelExamples[key]?.(stop) ?? valueSnippet(s, true, stop)}`);
      stop++;
    }
    const insertText = `\${1:${variant === 'finite' ? 'sgd' : 'ntk'}}: { ${parts.join(', ')} }`;
    return {
      label: `new ${variant} model`,
      kind: 'snippet' as const,
      insertText,
      detail: schema.title,
      documentation: `${schema.description}\n\n\`${plainSnippet(insertText)}\``,
      sortText: `z${pad(i)}`,
    };
  });
}

function valueEntries(schemas: Schema[]): CompletionEntry[] {
  const out = new Map<string, CompletionEntry>();
  const add = (e: Omit<CompletionEntry, 'sortText'>, order: number): void => {
    if (!out.has(e.label)) out.set(e.label, { ...e, sortText: `${e.preferred ? 'a' : 'b'}${pad(order)}` });
  };
  for (const schema of schemas) {
    if (schema.type === 'string' && schema.enum) {
      Object.entries(schema.enum).forEach(([v, d], i) => add({ label: v, kind: 'value', insertText: v, detail: d, documentation: `\`${v}\`: ${d}`, preferred: v === schema.default }, i));
    } else if (schema.type === 'boolean') {
      [true, false].forEach((v, i) => add({ label: String(v), kind: 'value', insertText: String(v), detail: schema.description, documentation: schema.description, preferred: v === schema.default }, i));
    } else if (schema.type === 'tagged') {
      Object.entries(schema.tags).forEach(([tag, params], i) => {
        const required = params.required ?? [];
        const insertText = schema.bare.includes(tag) ? tag : `${tag}: { ${required.map((k, j) => `${k}: $${j + 1}`).join(', ')} }`;
        add({ label: tag, kind: 'layer', insertText, detail: params.description, documentation: params.description }, i);
      });
      const dense = schema.tags.dense;
      if (dense?.properties.width) {
        add({ label: 'dense: { width }', kind: 'layer', insertText: 'dense: { width: ${1:256} }', detail: dense.description, documentation: keyDocumentation('width', dense.properties.width, false) }, 0);
      }
    }
  }
  return [...out.values()];
}

/** Whether the cursor sits in a comment of its line. */
function inComment(text: string, offset: number): boolean {
  let lineStart = offset;
  while (lineStart > 0 && text[lineStart - 1] !== '\n' && text[lineStart - 1] !== '\r') lineStart--;
  let quote: string | null = null;
  for (let i = lineStart; i < offset; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === lineStart || /\s/.test(text[i - 1]))) return true;
  }
  return false;
}

/** What may be written at `offset` of a YAML experiment file. */
export function completionsAt(text: string, offset: number, root: Schema = experimentSchema): Completions {
  const cursor = yamlCursorAt(text, offset);
  const range = { start: cursor.word.start, end: cursor.word.end };
  if (inComment(text, offset)) return { items: [], ...range };
  if (cursor.at === 'key') {
    const items = keyEntries(schemasAt(cursor.path, cursor.siblings, cursor.path.length, root), cursor);
    return { items, ...range };
  }
  const items = valueEntries(schemasAt(cursor.path, cursor.siblings, cursor.path.length - 1, root));
  return { items, ...range };
}

export interface HoverText {
  markdown: string;
  start: number;
  end: number;
}

/** The reference text of the key or value under `offset`, or null where the schema says nothing. */
export function hoverAt(text: string, offset: number, root: Schema = experimentSchema): HoverText | null {
  const word = wordAt(text, offset);
  if (word.start === word.end || inComment(text, offset)) return null;
  const name = text.slice(word.start, word.end);
  const cursor = yamlCursorAt(text, word.start);
  const found = (markdown: string): HoverText => ({ markdown, ...word });
  if (cursor.at === 'key') {
    const parents = schemasAt(cursor.path, cursor.siblings, cursor.path.length, root);
    const schema = schemasAt([...cursor.path, name], cursor.siblings, cursor.path.length, root)[0];
    if (!schema) return null;
    const required = parents.some((p) => p.type === 'object' && p.required?.includes(name));
    if (parents.some((p) => p.type === 'map')) return found(`**${name}**: ${schema.description}`);
    return found(keyDocumentation(name, schema, required));
  }
  const schemas = schemasAt(cursor.path, cursor.siblings, cursor.path.length - 1, root);
  for (const schema of schemas) {
    if (schema.type === 'string' && schema.enum?.[name] !== undefined) return found(`\`${name}\`: ${schema.enum[name]}\n\n---\n\n${schema.description}`);
    if (schema.type === 'tagged' && schema.tags[name]) return found(`**${name}**: ${schema.tags[name].description}`);
  }
  return null;
}
