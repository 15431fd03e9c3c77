/**
 * What one activation is, in one place (neural-tangents' idea of defining a layer's function and
 * its kernel together): its name and options as the experiment file writes them, its tfjs forward
 * (the finite networks), its float64 phi and phi' (the quadratures and Monte Carlo samples), and
 * its dual map, a closed form or, when absent, the Hermite expansion of engine/kernels/hermiteDual.ts.
 * One file per activation in this folder; registry.ts lists them, and the schema, the validator,
 * the networks and the kernels all read them from there.
 *
 * tfjs is imported by type only: a forward is written against the tfjs namespace it is handed, so
 * the experiment validator, which reads names and options from the same files, never loads tfjs.
 */
import type * as Tf from '@tensorflow/tfjs';
import type { NumberSchema } from '../experiment/schemaDsl';

/**
 * One entry of a dual map: for (u, v) ~ N(0, [[q1, c], [c, q2]]) writes K = E[phi(u) phi(v)] into
 * k[e] and Kd = E[phi'(u) phi'(v)] into kd[e]. With q1 = q2 = c it gives a point's diagonal.
 */
export type DualEntry = (q1: number, q2: number, c: number, k: Float64Array, e: number, kd: Float64Array) => void;

/** phi and phi' as plain float64 functions of one number. */
export interface Pointwise {
  phi(x: number): number;
  dphi(x: number): number;
  /** True when phi is piecewise linear with a kink at 0 (relu, leakyRelu, abRelu with a != b). */
  kinkAtZero: boolean;
}

/**
 * An activation named `Name` with the numeric options `Option` (none: written bare, `- relu`).
 * Conventions shared by phi', the closed forms and the quadratures: at a kink phi'(0) is the mean
 * of the two slopes, so a point with variance 0 gets E[phi'(0) phi'(v)] = the rho = 0 value.
 */
export interface ActivationDefinition<Name extends string = string, Option extends string = string> {
  readonly name: Name;
  /** The layer's description in the reference docs and the JSON Schema, ending with how its kernels are computed. */
  readonly description: string;
  /** Each option's schema, in the order the short name lists them (`abRelu(a, b)`); every option is required. */
  readonly options: { readonly [K in Option]: NumberSchema };
  /** The activation as validated data, `{ kind, ...options }`. */
  of(options: Readonly<Record<Option, number>>): { kind: Name } & Readonly<Record<Option, number>>;
  /** `of` the option values read from `values` (a checked layer mapping); null when one is not a number. */
  ofValues(values: Readonly<Record<string, unknown>>): ({ kind: Name } & Readonly<Record<Option, number>>) | null;
  /** phi(h) elementwise in tfjs (any shape, float32), differentiable by tf.grad; returns a new tensor. */
  forward(tf: typeof Tf, h: Tf.Tensor, options: Readonly<Record<Option, number>>): Tf.Tensor;
  pointwise(options: Readonly<Record<Option, number>>): Pointwise;
  /** The closed-form dual map (SCIENCE.md section 3); absent: the Hermite expansion. */
  dual?(options: Readonly<Record<Option, number>>): DualEntry;
}

/** Any registered activation, as the registry's lookups return it (`of` is only typed for one name). */
export type AnyActivationDefinition = Omit<ActivationDefinition, 'of' | 'ofValues'>;

/** Fills in `of` (the same for every activation) and keeps `Name` and `Option` as literal types. */
export function defineActivation<Name extends string, Option extends string = never>(
  definition: Omit<ActivationDefinition<Name, Option>, 'of' | 'ofValues'>,
): ActivationDefinition<Name, Option> {
  const of = (options: Readonly<Record<Option, number>>) => ({ kind: definition.name, ...options });
  return {
    ...definition,
    of,
    ofValues: (values) => {
      const picked: Record<string, unknown> = {};
      for (const key of Object.keys(definition.options)) picked[key] = values[key];
      return hasNumbers(definition.options, picked) ? of(picked) : null;
    },
  };
}

/** Whether every key of `keys` holds a number in `values`. */
function hasNumbers<K extends string>(keys: { readonly [P in K]: unknown }, values: Readonly<Record<string, unknown>>): values is Readonly<Record<K, number>> {
  return Object.keys(keys).every((key) => typeof values[key] === 'number');
}
