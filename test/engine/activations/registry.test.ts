/**
 * The activation registry drives everything an activation touches: each registered activation is a
 * layer of the JSON Schema and the reference, validates in an experiment file, runs forward and
 * backward in tfjs as its float64 phi and phi' say, and its dual map (closed form or Hermite) is the
 * Monte Carlo expectation of its own tfjs forward. Nothing here names an activation: a new file in
 * engine/activations/ listed in registry.ts is tested by this file as it stands.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../../engine/backend';
import type { AnyActivationDefinition } from '../../../engine/activations/activationDefinition';
import { Activation, activationDefinitions, activationName, activationOf } from '../../../engine/activations/registry';
import { experimentJsonSchema } from '../../../engine/experiment/jsonSchema';
import { experimentReferenceMarkdown } from '../../../engine/experiment/reference';
import { layerSchema } from '../../../engine/experiment/schema';
import { DualMap, dualMapOf, hermiteMap } from '../../../engine/kernels/dualMaps';
import { pointwiseOf } from '../../../engine/kernels/pointwise';
import { activationDerivative, applyActivation } from '../../../engine/nn/activationOps';
import { Rng } from '../../../engine/util/rng';
import { validateIn } from '../experiment/experimentHelpers';

/** Monte Carlo samples per covariance: the standard error is then about 0.2% of the entry's scale. */
const SAMPLES = 1 << 18;
/** |dual - Monte Carlo| within this many estimated standard errors (a correct dual fails one comparison with probability < 1e-6). */
const MC_SIGMAS = 5;
/** float32 forward (the Monte Carlo samples, the tfjs ops) against float64: about 1e-6 of the scale; 1e-5 leaves room. */
const FLOAT32_TOLERANCE = 1e-5;
/** tfjs autodiff derivative against phi': float32 rounding of the backward ops. */
const DERIVATIVE_TOLERANCE = 1e-4;
/** A closed form against the Hermite expansion of the same phi: that expansion's documented bound, 1e-7 of the scale, with a 10x margin. */
const HERMITE_TOLERANCE = 1e-6;

/** Option values for the tests, from each option's schema: its default, else 0.3, 0.6, ... inside its bounds. */
function exampleActivation(definition: AnyActivationDefinition): Activation {
  const values: Record<string, number> = {};
  Object.entries(definition.options).forEach(([key, schema], i) => {
    let v = schema.default ?? 0.3 * (i + 1);
    if (schema.minimum !== undefined) v = Math.max(v, schema.minimum);
    if (schema.maximum !== undefined) v = Math.min(v, schema.maximum);
    values[key] = v;
  });
  const activation = activationOf(definition.name, values);
  assert.ok(activation, `${definition.name}: activationOf refused ${JSON.stringify(values)}`);
  return activation;
}

/** How the experiment file writes the layer: `- relu` or `- leakyRelu: { slope: 0.3 }`. */
function layerYaml(activation: Activation, definition: AnyActivationDefinition): string {
  const keys = Object.keys(definition.options);
  if (keys.length === 0) return `- ${definition.name}`;
  const fields: Readonly<Record<string, unknown>> = activation;
  return `- ${definition.name}: { ${keys.map((k) => `${k}: ${String(fields[k])}`).join(', ')} }`;
}

/** Finds the JSON Schema object titled `title` anywhere in the tree. */
function findTitled(node: unknown, title: string): Record<string, unknown> | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  const record: Record<string, unknown> = { ...node };
  if (record.title === title) return record;
  for (const child of Object.values(record)) {
    const hit = findTitled(child, title);
    if (hit) return hit;
  }
  return undefined;
}

/** One entry K, Kd of a dual map between a point of variance q1 and one of variance q2 at covariance c. */
function dualEntry(map: DualMap, q1: number, q2: number, c: number): { k: number; kd: number } {
  const entries = map.prepare(Float64Array.of(q1), Float64Array.of(q2), false);
  const k = new Float64Array(1);
  const kd = new Float64Array(1);
  entries.block(0, 1, 0, 1, Float64Array.of(c), k, kd);
  return { k: k[0], kd: kd[0] };
}

/** Mean and standard error of the elementwise product a * b. */
function productMean(a: Float32Array, b: Float32Array): { mean: number; stderr: number } {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < a.length; i++) {
    const p = a[i] * b[i];
    s += p;
    s2 += p * p;
  }
  const mean = s / a.length;
  return { mean, stderr: Math.sqrt(Math.max(0, s2 / a.length - mean * mean) / a.length) };
}

/** (q, q', c) of the Monte Carlo checks: unit variances, unequal variances with a negative correlation, and a strong correlation. */
const covariances = [
  { q1: 1, q2: 1, c: 0.6 },
  { q1: 0.5, q2: 2, c: -0.4 },
  { q1: 2, q2: 2, c: 1.9 },
];

before(async () => {
  await useBackend('wasm');
});

describe('the activation registry', () => {
  test('names are unique, and the schema has exactly the registered activations as layers', () => {
    const names = activationDefinitions.map((d) => d.name);
    assert.equal(new Set(names).size, names.length);
    assert.deepEqual(Object.keys(layerSchema.tags).sort(), ['dense', ...names].sort());
  });

  for (const definition of activationDefinitions) {
    const activation = exampleActivation(definition);
    const label = activationName(activation);

    describe(label, () => {
      test('is a layer of the JSON Schema (bare exactly when it has no options, its options required) and of the reference', () => {
        const layer = findTitled(experimentJsonSchema(), 'Layer');
        assert.ok(layer, 'the JSON Schema has a Layer definition');
        const options = Object.keys(definition.options);
        const bare = findTitled(layer, definition.name);
        assert.ok(bare, `the Layer schema has ${definition.name}`);
        assert.equal(bare.description, definition.description);
        assert.deepEqual(Object.keys(bare.properties ?? {}), options);
        assert.deepEqual(bare.required ?? [], options);
        assert.equal(layerSchema.bare.includes(definition.name), options.length === 0);
        // The reference lists bare layers by name and gives a section to each layer with options.
        const reference = experimentReferenceMarkdown();
        assert.ok(options.length === 0 ? reference.includes(`\`${definition.name}\``) : reference.includes(definition.description), 'the reference names it');
      });

      test('validates in an experiment file and reads back as the same activation', () => {
        const yaml = `name: t
data: { source: synthetic, kind: teacher, inputDim: 3, train: 8, test: 4 }
network:
  layers:
    - dense: { width: 8 }
    ${layerYaml(activation, definition)}
    - dense
training: { steps: 20, learningRate: 0.1 }
models:
  f: { kind: finite }
  n: { kind: infinite, method: ntk }
`;
        const result = validateIn(yaml);
        assert.deepEqual(result.diagnostics, []);
        assert.deepEqual(result.experiment?.network.layers[1], { kind: 'activation', activation });
      });

      test('its tfjs forward and autodiff derivative are its float64 phi and phi\'', () => {
        const { phi, dphi } = pointwiseOf(activation);
        // An even count keeps 0, where piecewise-linear activations have their kink, off the grid.
        const xs = Float32Array.from({ length: 200 }, (_, i) => -4 + (8 * (i + 0.5)) / 200);
        const h = tf.tensor1d(xs);
        const forward = applyActivation(activation, h);
        const derivative = activationDerivative([activation], h);
        const y = forward.dataSync();
        const dy = derivative.dataSync();
        tf.dispose([h, forward, derivative]);
        xs.forEach((x, i) => {
          assert.ok(Math.abs(y[i] - phi(x)) <= FLOAT32_TOLERANCE * (1 + Math.abs(phi(x))), `phi(${x}): tfjs ${y[i]}, float64 ${phi(x)}`);
          assert.ok(Math.abs(dy[i] - dphi(x)) <= DERIVATIVE_TOLERANCE * (1 + Math.abs(dphi(x))), `phi'(${x}): tfjs ${dy[i]}, float64 ${dphi(x)}`);
        });
      });

      test('its dual map is the Monte Carlo expectation of its tfjs forward', () => {
        const map = dualMapOf([activation]);
        const rng = new Rng(7);
        for (const { q1, q2, c } of covariances) {
          const rho = c / Math.sqrt(q1 * q2);
          const u = new Float32Array(SAMPLES);
          const v = new Float32Array(SAMPLES);
          for (let i = 0; i < SAMPLES; i++) {
            const z1 = rng.normal();
            const z2 = rng.normal();
            u[i] = Math.sqrt(q1) * z1;
            v[i] = Math.sqrt(q2) * (rho * z1 + Math.sqrt(1 - rho * rho) * z2);
          }
          const [phiU, phiV, dphiU, dphiV] = tf.tidy(() => {
            const tu = tf.tensor1d(u);
            const tv = tf.tensor1d(v);
            return [applyActivation(activation, tu), applyActivation(activation, tv), activationDerivative([activation], tu), activationDerivative([activation], tv)];
          });
          const k = productMean(phiU.dataSync() as Float32Array, phiV.dataSync() as Float32Array);
          const kd = productMean(dphiU.dataSync() as Float32Array, dphiV.dataSync() as Float32Array);
          tf.dispose([phiU, phiV, dphiU, dphiV]);
          const want = dualEntry(map, q1, q2, c);
          const where = `${map.name} at q=${q1}, q'=${q2}, c=${c}`;
          assert.ok(Math.abs(want.k - k.mean) <= MC_SIGMAS * k.stderr + FLOAT32_TOLERANCE * Math.abs(k.mean), `${where}: K ${want.k}, Monte Carlo ${k.mean} +- ${k.stderr}`);
          assert.ok(Math.abs(want.kd - kd.mean) <= MC_SIGMAS * kd.stderr + FLOAT32_TOLERANCE * Math.abs(kd.mean), `${where}: Kd ${want.kd}, Monte Carlo ${kd.mean} +- ${kd.stderr}`);
        }
      });

      if (definition.dual) {
        test('its closed-form dual agrees with the Hermite expansion of its phi', () => {
          const closed = dualMapOf([activation]);
          const hermite = hermiteMap(label, [activation]);
          assert.equal(closed.closedForm, true);
          for (const { q1, q2, c } of covariances) {
            const a = dualEntry(closed, q1, q2, c);
            const b = dualEntry(hermite, q1, q2, c);
            const scaleK = Math.sqrt(Math.abs(dualEntry(closed, q1, q1, q1).k * dualEntry(closed, q2, q2, q2).k));
            const scaleKd = Math.sqrt(Math.abs(dualEntry(closed, q1, q1, q1).kd * dualEntry(closed, q2, q2, q2).kd));
            assert.ok(Math.abs(a.k - b.k) <= HERMITE_TOLERANCE * scaleK, `K at q=${q1}, q'=${q2}, c=${c}: closed ${a.k}, Hermite ${b.k}`);
            assert.ok(Math.abs(a.kd - b.kd) <= HERMITE_TOLERANCE * scaleKd, `Kd at q=${q1}, q'=${q2}, c=${c}: closed ${a.kd}, Hermite ${b.kd}`);
          }
        });
      }
    });
  }
});
