/**
 * The JSON Schema (draft-07) of experiment files, generated from schema.ts. VS Code reads it for
 * `*.iwl.json` (package.json contributes.jsonValidation) to offer completion, hover and checks;
 * `enumDescriptions` is VS Code's extension keyword for per-value hover text.
 * schema/experiment.schema.json is this function's output (`iwl schema --out ...`); a test keeps them equal.
 */
import { Schema } from './schemaDsl';
import { experimentSchema } from './schema';

type Json = Record<string, unknown>;

export function experimentJsonSchema(): Json {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Infinite Width Lab experiment',
    ...toJsonSchema(experimentSchema),
  };
}

function withDefault(out: Json, schema: Schema): Json {
  if ('default' in schema && schema.default !== undefined) out.default = schema.default;
  return out;
}

function descriptionOf(schema: Schema): string {
  return schema.defaultText ? `${schema.description} Default: ${schema.defaultText.replace(/`/g, '')}.` : schema.description;
}

function nullableType(type: string, nullable: boolean | undefined): string | string[] {
  return nullable ? [type, 'null'] : type;
}

export function toJsonSchema(schema: Schema): Json {
  const description = descriptionOf(schema);
  switch (schema.type) {
    case 'number': {
      const out: Json = { type: nullableType(schema.integer ? 'integer' : 'number', schema.nullable), description };
      for (const key of ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'] as const) {
        if (schema[key] !== undefined) out[key] = schema[key];
      }
      return withDefault(out, schema);
    }
    case 'string': {
      const out: Json = { type: nullableType('string', schema.nullable), description };
      if (schema.enum) {
        out.enum = schema.nullable ? [...Object.keys(schema.enum), null] : Object.keys(schema.enum);
        out.enumDescriptions = Object.values(schema.enum);
      }
      if (schema.minLength !== undefined) out.minLength = schema.minLength;
      if (schema.pattern) out.pattern = schema.pattern.regex;
      return withDefault(out, schema);
    }
    case 'boolean':
      return withDefault({ type: 'boolean', description }, schema);
    case 'object': {
      const properties: Json = {};
      for (const key of schema.ignored ?? []) properties[key] = { type: 'string', description: 'Ignored (for example the schema an editor should use).' };
      for (const [key, value] of Object.entries(schema.properties)) properties[key] = toJsonSchema(value);
      const out: Json = { type: schema.nullIsEmpty ? ['object', 'null'] : 'object', title: schema.title, description, properties, additionalProperties: false };
      if (schema.required?.length) out.required = schema.required;
      return out;
    }
    case 'map': {
      const out: Json = { type: 'object', title: schema.title, description, minProperties: 1, additionalProperties: toJsonSchema(schema.values) };
      if (schema.keyPattern) out.propertyNames = { pattern: schema.keyPattern.regex };
      return out;
    }
    case 'array': {
      const out: Json = { type: nullableType('array', schema.nullable), description, items: toJsonSchema(schema.items) };
      if (schema.minItems !== undefined) out.minItems = schema.minItems;
      if (schema.uniqueItems) out.uniqueItems = true;
      return withDefault(out, schema);
    }
    case 'union':
      return withDefault({ description, anyOf: schema.variants.map(toJsonSchema) }, schema);
    case 'discriminated':
      return {
        title: schema.title,
        description,
        type: 'object',
        ...(schema.defaultVariant === undefined ? { required: [schema.key] } : {}),
        oneOf: Object.values(schema.variants).map(toJsonSchema),
      };
    case 'tagged': {
      const properties: Json = {};
      for (const [tag, params] of Object.entries(schema.tags)) properties[tag] = toJsonSchema(params);
      return {
        title: schema.title,
        description,
        anyOf: [
          { type: 'string', enum: schema.bare, enumDescriptions: schema.bare.map((t) => schema.tags[t].description) },
          { type: 'object', properties, minProperties: 1, maxProperties: 1, additionalProperties: false },
        ],
      };
    }
  }
}
