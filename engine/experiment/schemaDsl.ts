/**
 * A small schema language: each key's type, allowed values or range, default and description,
 * written once (engine/experiment/schema.ts). The checker (check.ts), the JSON Schema generator
 * (jsonSchema.ts) and the Markdown reference (reference.ts) all read it, so they cannot disagree.
 *
 * The builders below keep the static type of what they describe, so `Infer<S>` is the type of a
 * value the checker accepts for `S` (experimentTypes.ts derives the experiment's types from it):
 * a key is present when it is required, has a default, is nullable (a nullable key left out is
 * null) or is a mapping whose keys all have defaults (filled with them); otherwise it is optional.
 */
import type { DiagnosticCode } from './diagnosticCodes';
import type { Invalid, NamedValue, TaggedValue } from './check';

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

/** A string; with `enum`, one of the names `V`. */
export interface StringSchema<V extends string = string> extends Doc {
  type: 'string';
  /** Allowed values, each with a one-line description. */
  enum?: Record<V, string>;
  minLength?: number;
  pattern?: { regex: string; says: string };
  default?: V;
  nullable?: boolean;
}

export interface BooleanSchema extends Doc {
  type: 'boolean';
  default?: boolean;
}

/** The schemas of a mapping's keys, in the order the docs list them. */
export type Properties = { readonly [key: string]: Schema };

/** A mapping with the keys `P`, of which `R` are required. */
export interface ObjectSchema<P extends Properties = Properties, R extends string = string> extends Doc {
  type: 'object';
  /** A title for the docs section and JSON Schema definition, e.g. "Training". */
  title: string;
  properties: P;
  required?: readonly R[];
  /** Keys accepted and ignored (e.g. `$schema` in JSON files). */
  ignored?: readonly string[];
  /** A null value stands for an empty mapping (e.g. YAML `- dense:`). */
  nullIsEmpty?: boolean;
}

/** A mapping from user-chosen names to values `V` (e.g. `models`). */
export interface MapSchema<V extends Schema = Schema> extends Doc {
  type: 'map';
  title: string;
  /** What one entry is called in messages, e.g. "model". */
  noun: string;
  values: V;
  keyPattern?: { regex: string; says: string };
  /** Diagnostic codes for an empty mapping and for a name used twice. */
  emptyCode: DiagnosticCode;
  duplicateCode: DiagnosticCode;
}

export interface ArraySchema<I extends Schema = Schema> extends Doc {
  type: 'array';
  items: I;
  minItems?: number;
  uniqueItems?: boolean;
  default?: readonly unknown[];
  nullable?: boolean;
}

/** One of several schemas, chosen by the JSON type of the value (at most one variant per type). */
export interface UnionSchema<V extends readonly Schema[] = readonly Schema[]> extends Doc {
  type: 'union';
  variants: V;
  default?: unknown;
}

/** Mappings told apart by the value of key `K` (e.g. `data.source`, `models.*.kind`), each variant's schema under its value. */
export interface DiscriminatedSchema<K extends string = string, V extends { readonly [value: string]: ObjectSchema } = { readonly [value: string]: ObjectSchema }> extends Doc {
  type: 'discriminated';
  title: string;
  key: K;
  variants: V;
  /** The variant used when the key is absent; absent = the key is required. */
  defaultVariant?: keyof V & string;
}

/**
 * A name, or a mapping with exactly one name whose value holds that name's options
 * (layers: `relu`, `dense: { width: 512 }`). `bare` names may be written alone.
 */
export interface TaggedSchema<T extends { readonly [tag: string]: ObjectSchema } = { readonly [tag: string]: ObjectSchema }> extends Doc {
  type: 'tagged';
  title: string;
  tags: T;
  bare: readonly (keyof T & string)[];
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

// ------------------------------------------------------------------------------------- values

/** The value of a valid part described by `S`, with defaults filled in. */
export type Infer<S> = Shape<S, never>;

/**
 * What checking against `S` gives: `Infer<S>` with INVALID wherever a part failed, so the checks
 * that span keys can still look at the parts that passed. `complete` (check.ts) tells them apart.
 */
export type Checked<S> = Shape<S, Invalid>;

/** `S`'s value where each part may instead be `H` (never: a whole value; Invalid: a checked one). */
type Shape<S, H> = H | (S extends { nullable: true } ? null : never) | ValueOf<S, H>;

type ValueOf<S, H> = S extends { type: 'number' }
  ? number
  : S extends { type: 'string'; enum: Record<infer V, string> }
    ? V
    : S extends { type: 'string' }
      ? string
      : S extends { type: 'boolean' }
        ? boolean
        : S extends ObjectSchema<infer P, infer R>
          ? MappingOf<P, R, H>
          : S extends { type: 'array'; items: infer I }
            ? Shape<I, H>[]
            : S extends { type: 'map'; values: infer V }
              ? NamedValue<Shape<V, H>>[]
              : S extends { type: 'union'; variants: readonly (infer V)[] }
                ? ValueOf<V, H>
                : S extends DiscriminatedSchema<infer K, infer V>
                  ? { [N in keyof V & string]: Flat<Omit<MappingOfSchema<V[N], H>, K> & { [P in K]: N }> }[keyof V & string]
                  : S extends TaggedSchema<infer T>
                    ? { [N in keyof T & string]: TaggedValue<N, MappingOfSchema<T[N], H>> }[keyof T & string]
                    : never;

type MappingOfSchema<S, H> = S extends ObjectSchema<infer P, infer R> ? MappingOf<P, R, H> : never;

/** The keys the checker always fills: required, defaulted, nullable, or a mapping with no required key. */
type FilledKeys<P, R> = { [K in keyof P]: K extends R ? K : Filled<P[K]> extends true ? K : never }[keyof P];

type Filled<S> = S extends { default: unknown }
  ? true
  : S extends { nullable: true }
    ? true
    : S extends ObjectSchema<Properties, infer R>
      ? [R] extends [never]
        ? true
        : false
      : false;

type MappingOf<P, R, H> = string extends keyof P
  ? Record<string, unknown>
  : Flat<{ -readonly [K in FilledKeys<P, R>]: Shape<P[K], H> } & { -readonly [K in Exclude<keyof P, FilledKeys<P, R>>]?: Shape<P[K], H> }>;

/** Shows an intersection of mappings as one mapping. */
type Flat<T> = { [K in keyof T]: T[K] } & {};

// ------------------------------------------------------------------------------------- builders

type Options<S, Fixed extends string> = Omit<S, 'type' | 'description' | Fixed>;

type NumberOptions = Options<NumberSchema, 'integer'>;

/** A number; its static type keeps `o` (a default, `nullable: true`), which `Infer` reads. */
export function num(description: string): NumberSchema;
export function num<const O extends NumberOptions>(description: string, o: O): NumberSchema & O;
export function num(description: string, o: NumberOptions = {}): NumberSchema {
  return { type: 'number', description, ...o };
}

export function int(description: string): NumberSchema;
export function int<const O extends NumberOptions>(description: string, o: O): NumberSchema & O;
export function int(description: string, o: NumberOptions = {}): NumberSchema {
  return { type: 'number', integer: true, description, ...o };
}

type StringOptions<V extends string> = Options<StringSchema<V>, 'enum'>;

export function str(description: string): StringSchema;
export function str<const O extends StringOptions<string>>(description: string, o: O): StringSchema & O;
export function str(description: string, o: StringOptions<string> = {}): StringSchema {
  return { type: 'string', description, ...o };
}

/** One of the names of `values`, each with a one-line description. */
export function names<const V extends string>(values: Record<V, string>, description: string): EnumSchema<V>;
export function names<const V extends string, const O extends StringOptions<V>>(values: Record<V, string>, description: string, o: O): EnumSchema<V> & O;
export function names<V extends string>(values: Record<V, string>, description: string, o: StringOptions<V> = {}): EnumSchema<V> {
  return { type: 'string', enum: values, description, ...o };
}

type EnumSchema<V extends string> = StringSchema<V> & { enum: Record<V, string> };

export const bool = (description: string, d: boolean): BooleanSchema & { default: boolean } => ({ type: 'boolean', description, default: d });

export const object = <const P extends Properties, const R extends keyof P & string = never>(
  title: string,
  description: string,
  properties: P,
  o: Omit<ObjectSchema<P, R>, 'type' | 'title' | 'description' | 'properties'> = {},
): ObjectSchema<P, NoInfer<R>> => ({ type: 'object', title, description, properties, ...o });

export const array = <const I extends Schema, const O extends Omit<ArraySchema<I>, 'type' | 'items'>>(items: I, o: O): ArraySchema<I> & O => ({ type: 'array', items, ...o });

export const union = <const V extends readonly Schema[], const O extends Omit<UnionSchema<V>, 'type' | 'variants'>>(variants: V, o: O): UnionSchema<V> & O => ({ type: 'union', variants, ...o });

export const map = <const V extends Schema>(values: V, o: Omit<MapSchema<V>, 'type' | 'values'>): MapSchema<V> => ({ type: 'map', values, ...o });

export const discriminated = <const K extends string, const V extends { readonly [value: string]: ObjectSchema }>(key: K, variants: V, o: Omit<DiscriminatedSchema<K, V>, 'type' | 'key' | 'variants'>): DiscriminatedSchema<K, V> =>
  ({ type: 'discriminated', key, variants, ...o });

export const tagged = <const T extends { readonly [tag: string]: ObjectSchema }>(tags: T, o: Omit<TaggedSchema<T>, 'type' | 'tags'>): TaggedSchema<T> => ({ type: 'tagged', tags, ...o });

/** `properties` with the defaults `d` added (the keys of `training` have them; a model's overrides of them do not). */
export function withDefaults<const P extends Properties, const D extends { readonly [K in keyof P]?: unknown }>(properties: P, d: D): { [K in keyof P]: K extends keyof D ? P[K] & { default: D[K] } : P[K] } {
  const defaults: Readonly<Record<string, unknown>> = d;
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(properties)) out[key] = key in defaults ? { ...schema, default: defaults[key] } : schema;
  return out as { [K in keyof P]: K extends keyof D ? P[K] & { default: D[K] } : P[K] };
}

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
