/**
 * The text a new user reads first says what the shipped files do: every YAML snippet in the
 * walkthrough pages and the README that names an example (`name: quickstart`) is that example,
 * key for key once defaults are filled (it may be laid out more compactly); and every example the
 * walkthrough offers to create exists.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers';
import { validateExperiment } from '../../engine/experiment/validate';
import { nodeValidationHost } from '../../engine/experiment/validationHost';

const examplesDir = join(repoRoot, 'examples');
const pages = [
  ...readdirSync(join(repoRoot, 'media', 'walkthrough')).filter((f) => f.endsWith('.md')).map((f) => join('media', 'walkthrough', f)),
  'README.md',
];

/** A value with every source range left out: where a key sits is layout, not content. */
function withoutRanges(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutRanges);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'range').map(([key, v]) => [key, withoutRanges(v)]));
}

/** The validated experiment, as if the text were the example file (its data paths resolve the same), less its ranges. */
function experimentOf(text: string, file: string): unknown {
  const r = validateExperiment(text, { filePath: join(examplesDir, file), host: nodeValidationHost() });
  assert.ok(r.experiment, `${file}: ${r.diagnostics.map((d) => `${d.range.start.line + 1}: ${d.message}`).join('; ')}`);
  return withoutRanges(r.experiment);
}

describe('the walkthrough and README show the shipped examples', () => {
  const snippets = pages.flatMap((page) =>
    [...readFileSync(join(repoRoot, page), 'utf8').matchAll(/```ya?ml\n([\s\S]*?)```/g)].map((m) => ({ page, text: m[1], name: /^name:\s*([\w.-]+)/m.exec(m[1])?.[1] })),
  );

  test('the quickstart snippet of the walkthrough is among them', () => {
    assert.ok(snippets.some((s) => s.page.endsWith('experiment.md') && s.name === 'quickstart'), JSON.stringify(snippets.map((s) => [s.page, s.name])));
  });

  for (const s of snippets.filter((x) => x.name && existsSync(join(examplesDir, `${x.name}.iwl.yaml`)))) {
    test(`${s.page}: the ${s.name} snippet is examples/${s.name}.iwl.yaml`, () => {
      const file = `${s.name}.iwl.yaml`;
      assert.deepEqual(experimentOf(s.text, file), experimentOf(readFileSync(join(examplesDir, file), 'utf8'), file));
    });
  }

  test('every example the walkthrough offers to create exists', () => {
    const walkthrough = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).contributes.walkthroughs[0];
    const offered = walkthrough.steps.flatMap((step: { description: string }) =>
      [...step.description.matchAll(/newExperimentFromExample\?([^)]+)\)/g)].map((m) => (JSON.parse(decodeURIComponent(m[1])) as string[])[0]),
    );
    assert.ok(offered.includes('quickstart.iwl.yaml'), offered.join(', '));
    for (const file of offered) assert.ok(existsSync(join(examplesDir, file)), `the walkthrough offers ${file}, which examples/ does not have`);
  });
});
