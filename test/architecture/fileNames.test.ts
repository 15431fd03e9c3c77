/**
 * Names that lead to the file: no two source files of engine/, extension/, webview/, bench/ and
 * scripts/ share a base name, so a name in a stack trace, a log line or a comment names one file.
 * (test/ is left out: its files are named after the file they test.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import { repoRoot } from '../helpers';

const sourceFolders = ['engine', 'extension', 'webview', 'bench', 'scripts'];

function sources(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? sources(full) : /\.(ts|mts|cts|js|mjs|cjs)$/.test(name) ? [full] : [];
  });
}

/** The base names held by more than one file, each with its files (repository-relative, sorted). */
function sharedBaseNames(files: readonly string[]): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const file of files) {
    const name = basename(file).replace(/\.[^.]+$/, '');
    byName.set(name, [...(byName.get(name) ?? []), file]);
  }
  return new Map([...byName].filter(([, paths]) => paths.length > 1).map(([name, paths]) => [name, paths.sort()]));
}

test('shared base names are found (the check can fail)', () => {
  const found = sharedBaseNames(['engine/run/shards.ts', 'engine/contract/shards.ts', 'webview/protocol.ts', 'engine/main.ts', 'scripts/build.mjs', 'bench/build.ts']);
  assert.deepEqual([...found], [
    ['shards', ['engine/contract/shards.ts', 'engine/run/shards.ts']],
    ['build', ['bench/build.ts', 'scripts/build.mjs']],
  ]);
});

test('no two source files share a base name', () => {
  const files = sourceFolders.flatMap((folder) => sources(join(repoRoot, folder))).map((f) => relative(repoRoot, f).split(sep).join('/'));
  assert.ok(files.length > 100, `source files found: ${files.length}`);
  const shared = [...sharedBaseNames(files)].map(([name, paths]) => `${name}: ${paths.join(', ')}`);
  assert.deepEqual(shared, [], `files that share a base name (rename one so the name says its job):\n${shared.join('\n')}`);
});
