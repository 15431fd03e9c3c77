// Runs the compiled unit tests with Node's own test runner; its closing lines give the counts.
// Usage: node scripts/test.mjs [substring ...]   (only test files whose path contains one of them)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dir = join(root, 'dist-test', 'test');
const filters = process.argv.slice(2);

function walk(d) {
  if (!existsSync(d)) return [];
  return readdirSync(d).flatMap((n) => {
    const f = join(d, n);
    return statSync(f).isDirectory() ? (n === 'e2e' ? [] : walk(f)) : f.endsWith('.test.js') ? [f] : [];
  });
}

const files = walk(dir).filter((f) => filters.length === 0 || filters.some((s) => f.includes(s))).sort();
if (files.length === 0) {
  console.error('no test files found under dist-test/test (run npm run build first)');
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=2', ...files], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(result.status ?? 1);
