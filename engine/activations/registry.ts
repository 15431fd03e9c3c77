/**
 * Every activation an experiment can use, each defined once in its own file of this folder.
 * The experiment schema (layer names and options), the validated `Activation` type, the tfjs
 * networks (engine/nn/activationOps.ts), the float64 pointwise functions (engine/kernels/pointwise.ts)
 * and the dual maps (engine/kernels/dualMaps.ts) all read this list. Adding an activation is one
 * file here, one line below, and test/engine/activations/registry.test.ts checks it everywhere.
 */
import type { AnyActivationDefinition } from './activationDefinition';
import { abRelu } from './abRelu';
import { cos } from './cos';
import { erf } from './erf';
import { gelu } from './gelu';
import { identity } from './identity';
import { leakyRelu } from './leakyRelu';
import { relu } from './relu';
import { sigmoid } from './sigmoid';
import { sin } from './sin';
import { softplus } from './softplus';
import { tanh } from './tanh';

/** In the order of the docs and the JSON Schema: bare activations first, then those with options. */
export const activationDefinitions = [relu, erf, identity, tanh, sigmoid, softplus, gelu, sin, cos, leakyRelu, abRelu] as const;

type Definitions = (typeof activationDefinitions)[number];

/** A validated activation: `{ kind: 'relu' }`, `{ kind: 'leakyRelu', slope: 0.1 }`, ... */
export type Activation = ReturnType<Definitions['of']>;

export type ActivationName = Activation['kind'];

const byName = new Map<string, AnyActivationDefinition>(activationDefinitions.map((d) => [d.name, d]));

/** The definition of a registered activation name; undefined for any other string. */
export function activationDefinition(name: string): AnyActivationDefinition | undefined {
  return byName.get(name);
}

/** An activation's definition with its option values, ready for forward, pointwise and dual. */
export function resolveActivation(activation: Activation): { definition: AnyActivationDefinition; options: Record<string, number> } {
  const definition = byName.get(activation.kind);
  if (!definition) throw new RangeError(`activation: unknown kind '${activation.kind}'`);
  return { definition, options: optionValues(definition, activation) };
}

/**
 * The activation named `name` with the option values in `values` (the checked layer mapping), or
 * null when the name is not registered or an option is not a number.
 */
export function activationOf(name: string, values: Readonly<Record<string, unknown>>): Activation | null {
  return activationDefinitions.find((d) => d.name === name)?.ofValues(values) ?? null;
}

/** A short human-readable name, e.g. `relu`, `leakyRelu(0.1)`, `abRelu(-0.4, 1.1)`. */
export function activationName(activation: Activation): string {
  const { definition, options } = resolveActivation(activation);
  const values = Object.keys(definition.options).map((key) => options[key]);
  return values.length === 0 ? definition.name : `${definition.name}(${values.join(', ')})`;
}

function optionValues(definition: AnyActivationDefinition, activation: Activation): Record<string, number> {
  const fields: Readonly<Record<string, unknown>> = activation;
  const options: Record<string, number> = {};
  for (const key of Object.keys(definition.options)) {
    const value = fields[key];
    if (typeof value !== 'number') throw new RangeError(`activation ${definition.name}: option ${key} must be a number, got ${String(value)}`);
    options[key] = value;
  }
  return options;
}
