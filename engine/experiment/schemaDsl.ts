/**
 * A small schema language: each key's type, allowed values or range, default and description,
 * written once (engine/experiment/schema.ts). The checker (check.ts), the JSON Schema generator
 * (jsonSchema.ts) and the Markdown reference (reference.ts) all read it, so they cannot disagree.
 */
import type { DiagnosticCode } from './diagnosticCodes';

interface Doc {
  description: string;
  /** Shown in the docs instead of a computed default, when the default depends on other keys. */
  defaultText?: string;
}

export interface NumberSchema extends Doc {
  type: 'number';
  integer?: boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  default?: number;
  nullable?: boolean;
}

export interface StringSchema extends Doc {
  type: 'string';
  /** Allowed values, each with a one-line description. */
  enum?: Record<string, string>;
  minLength?: number;
  pattern?: { regex: string; says: string };
  default?: string;
  nullable?: boolean;
}

export interface BooleanSchema extends Doc {
  type: 'boolean';
  default?: boolean;
}

export interface ObjectSchema extends Doc {
  type: 'object';
  /** A title for the docs section and JSON Schema definition, e.g. "Training". */
  title: string;
  properties: Record<string, Schema>;
  required?: string[];
  /** Keys accepted and ignored (e.g. `$schema` in JSON files). */
  ignored?: string[];
  /** A null value stands for an empty mapping (e.g. YAML `- dense:`). */
  nullIsEmpty?: boolean;
}

/** A mapping from user-chosen names to values (e.g. `models`). */
export interface MapSchema extends Doc {
  type: 'map';
  title: string;
  /** What one entry is called in messages, e.g. "model". */
  noun: string;
  values: Schema;
  keyPattern?: { regex: string; says: string };
  /** Diagnostic codes for an empty mapping and for a name used twice. */
  emptyCode: DiagnosticCode;
  duplicateCode: DiagnosticCode;
}

export interface ArraySchema extends Doc {
  type: 'array';
  items: Schema;
  minItems?: number;
  uniqueItems?: boolean;
  default?: unknown[];
  nullable?: boolean;
}

/** One of several schemas, chosen by the JSON type of the value (at most one variant per type). */
export interface UnionSchema extends Doc {
  type: 'union';
  variants: Schema[];
  default?: unknown;
}

/** Mappings told apart by one key's value (e.g. `data.source`, `models.*.kind`). */
export interface DiscriminatedSchema extends Doc {
  type: 'discriminated';
  title: string;
  key: string;
  variants: Record<string, ObjectSchema>;
  /** The variant used when the key is absent; absent = the key is required. */
  defaultVariant?: string;
}

/**
 * A name, or a mapping with exactly one name whose value holds that name's options
 * (layers: `relu`, `dense: { width: 512 }`). `bare` names may be written alone.
 */
export interface TaggedSchema extends Doc {
  type: 'tagged';
  title: string;
  tags: Record<string, ObjectSchema>;
  bare: string[];
  /** What a tag is called in messages, e.g. "layer". */
  noun: string;
  /** Diagnostic codes for an unknown name and for a value that is neither a name nor a one-key mapping. */
  unknownCode: DiagnosticCode;
  invalidCode: DiagnosticCode;
}

export type Schema =
  | NumberSchema
  | StringSchema
  | BooleanSchema
  | ObjectSchema
  | MapSchema
  | ArraySchema
  | UnionSchema
  | DiscriminatedSchema
  | TaggedSchema;

/** "a positive integer", "one of sgd, momentum, adam", "a list of positive integers", ... */
export function describe(schema: Schema): string {
  switch (schema.type) {
    case 'number':
      return describeNumber(schema);
    case 'string':
      if (schema.enum) {
        const names = Object.keys(schema.enum);
        return names.length === 1 ? `"${names[0]}"` : `one of ${names.join(', ')}`;
      }
      return schema.pattern ? `a string (${schema.pattern.says})` : 'a string';
    case 'boolean':
      return 'true or false';
    case 'object':
    case 'discriminated':
      return 'a mapping';
    case 'map':
      return `a mapping of names to ${schema.title.toLowerCase()}`;
    case 'array':
      return `a list of ${plural(describe(schema.items))}`;
    case 'union':
      return schema.variants.map(describe).join(', or ');
    case 'tagged':
      return `a ${schema.noun} name or a mapping with one ${schema.noun} name`;
  }
}

export function describeNumber(s: NumberSchema): string {
  const noun = s.integer ? 'integer' : 'number';
  const lo = s.exclusiveMinimum ?? s.minimum;
  const hi = s.exclusiveMaximum ?? s.maximum;
  if (s.exclusiveMinimum === 0 && hi === undefined) return `a positive ${noun}`;
  if (s.minimum === 1 && s.integer && hi === undefined) return `a positive ${noun}`;
  if (s.minimum === 0 && hi === undefined) return `a non-negative ${noun}`;
  if (s.minimum !== undefined && s.maximum !== undefined) return `a${s.integer ? 'n' : ''} ${noun} from ${s.minimum} to ${s.maximum}`;
  if (lo !== undefined && hi !== undefined) {
    const left = s.exclusiveMinimum !== undefined ? `greater than ${lo}` : `at least ${lo}`;
    const right = s.exclusiveMaximum !== undefined ? `less than ${hi}` : `at most ${hi}`;
    return `a${s.integer ? 'n' : ''} ${noun} ${left} and ${right}`;
  }
  if (lo !== undefined) return `a${s.integer ? 'n' : ''} ${noun} ${s.exclusiveMinimum !== undefined ? 'greater than' : 'at least'} ${lo}`;
  if (hi !== undefined) return `a${s.integer ? 'n' : ''} ${noun} ${s.exclusiveMaximum !== undefined ? 'less than' : 'at most'} ${hi}`;
  return `a${s.integer ? 'n' : ''} ${noun}`;
}

function plural(phrase: string): string {
  return phrase
    .replace(/^an? /, '')
    .replace(/^(positive |non-negative )?(integer|number|string|mapping|name)\b/, (_m, adj: string | undefined, noun: string) => `${adj ?? ''}${noun}s`)
    .replace(/^one of /, 'names from ');
}

/** The default of a key as the reference states it: `**required**`, its stated text, the value in backquotes, or `(none)`. */
export function describeDefault(schema: Schema, required: boolean): string {
  if (required) return '**required**';
  if (schema.defaultText) return schema.defaultText;
  if ('default' in schema && schema.default !== undefined) return `\`${JSON.stringify(schema.default)}\``;
  if (schema.type === 'object') return 'all defaults';
  return '(none)';
}
