/** The committed JSON Schema and Markdown reference equal what the generator makes, and the schema accepts the examples. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { repoRoot } from '../../helpers';
import { experimentJsonSchema } from '../../../engine/experiment/jsonSchema';
import { schemaText } from '../../../engine/cli/schemaCommand';

function ajv(): Ajv {
  // allowUnionTypes: nullable keys are ["integer", "null"]; enumDescriptions is VS Code's hover keyword.
  const a = new Ajv({ strict: true, allErrors: true, allowUnionTypes: true });
  a.addKeyword('enumDescriptions');
  return a;
}

describe('JSON Schema and reference', () => {
  test('schema/experiment.schema.json is exactly what `iwl schema` generates (regenerate: npm run schema)', () => {
    const committed = readFileSync(join(repoRoot, 'schema', 'experiment.schema.json'), 'utf8');
    assert.equal(committed, schemaText(false));
  });

  test('docs/experiment-reference.md is exactly what `iwl schema --markdown` generates', () => {
    const committed = readFileSync(join(repoRoot, 'docs', 'experiment-reference.md'), 'utf8');
    assert.equal(committed, schemaText(true));
  });

  test('package.json registers the schema for *.iwl.json', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
    assert.deepEqual(pkg.contributes.jsonValidation, [{ fileMatch: '*.iwl.json', url: './schema/experiment.schema.json' }]);
  });

  test('the schema compiles under ajv strict mode and accepts every examples/*.iwl.json', () => {
    const validate = ajv().compile(experimentJsonSchema());
    const files = readdirSync(join(repoRoot, 'examples')).filter((f) => f.endsWith('.iwl.json'));
    assert.ok(files.length > 0);
    for (const f of files) {
      const ok = validate(JSON.parse(readFileSync(join(repoRoot, 'examples', f), 'utf8')));
      assert.ok(ok, `${f}: ${JSON.stringify(validate.errors)}`);
    }
  });

  test('the schema rejects what the validator rejects: unknown keys, bad enums, out-of-range numbers, wrong layer shapes', () => {
    const validate = ajv().compile(experimentJsonSchema());
    const base = { data: { source: 'synthetic' }, network: { layers: [{ dense: { width: 8 } }, 'relu', 'dense'] }, models: { n: { kind: 'infinite' } } };
    assert.ok(validate(base), JSON.stringify(validate.errors));
    const bad: [string, unknown][] = [
      ['unknown top-level key', { ...base, modles: {} }],
      ['unknown loss', { ...base, loss: 'mae' }],
      ['negative width', { ...base, network: { layers: [{ dense: { width: -3 } }, 'relu', 'dense'] } }],
      ['unknown layer', { ...base, network: { layers: ['dense', 'relux', 'dense'] } }],
      ['two names in one layer', { ...base, network: { layers: [{ dense: {}, relu: {} }, 'dense'] } }],
      ['no models', { ...base, models: {} }],
      ['model without kind', { ...base, models: { n: { method: 'ntk' } } }],
      ['finite key on an infinite model', { ...base, models: { n: { kind: 'infinite', widths: [8] } } }],
      ['batch size zero', { ...base, training: { batchSize: 0 } }],
      ['mnist class 10', { ...base, data: { source: 'mnist', classes: [10] } }],
    ];
    for (const [what, doc] of bad) assert.equal(validate(doc), false, what);
  });

  test('keys carry descriptions and defaults for hover and completion', () => {
    const schema = experimentJsonSchema() as { properties: Record<string, { description?: string; properties?: Record<string, { default?: unknown; description?: string }> }> };
    for (const [key, value] of Object.entries(schema.properties)) assert.ok(value.description, `${key} has a description`);
    const training = schema.properties.training.properties ?? {};
    assert.deepEqual(Object.fromEntries(Object.entries(training).map(([k, v]) => [k, v.default])), { steps: 1000, learningRate: 1, batchSize: 'full', logEvery: 10 });
  });
});
