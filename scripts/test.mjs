// The test command (`npm test` runs `npm run build` and then this):
//   1. the unit and integration tests with Node's own test runner (compiled into dist-test/),
//   2. the end-to-end tests in a real VS Code (scripts/e2e.mjs; skipped with --unit or IWL_SKIP_E2E=1),
// then one closing line with the counts of both: `tests: N passed, N failed`.
// Usage: node scripts/test.mjs [--unit] [substring ...]   (substrings pick test files; they imply --unit)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dir = join(root, 'dist-test', 'test');
const args = process.argv.slice(2);
const filters = args.filter((a) => !a.startsWith('--'));
const unitOnly = args.includes('--unit') || filters.length > 0 || process.env.IWL_SKIP_E2E === '1';

function walk(d) {
  if (!existsSync(d)) return [];
  return readdirSync(d).flatMap((n) => {
    const f = join(d, n);
    return statSync(f).isDirectory() ? (n === 'e2e' || n === 'electron' ? [] : walk(f)) : f.endsWith('.test.js') ? [f] : [];
  });
}

const files = walk(dir).filter((f) => filters.length === 0 || filters.some((s) => f.includes(s))).sort();
if (files.length === 0) {
  console.error('no test files found under dist-test/test (run npm run build first)');
  process.exit(1);
}
const tap = join(mkdtempSync(join(tmpdir(), 'iwl-tests-')), 'unit.tap');
const unit = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=2', '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tap}`, ...files],
  { stdio: 'inherit', cwd: root },
);
const tapText = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(tapText)?.[1] ?? 0);
let passed = count('pass');
let failed = count('fail') + count('cancelled');
if (unit.status !== 0 && failed === 0) failed = 1;

if (!unitOnly) {
  console.log('\n=== end-to-end tests in a real VS Code (code-server) ===');
  // Streamed through as it runs, and kept to read its closing count.
  const child = spawn(process.execPath, [join(root, 'scripts', 'e2e.mjs'), '--skip-build'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
    process.stdout.write(chunk);
  });
  const status = await new Promise((resolve) => child.on('close', (code) => resolve(code)));
  const m = /^e2e: (\d+) passed, (\d+) failed$/m.exec(out);
  passed += m ? Number(m[1]) : 0;
  failed += m ? Number(m[2]) : status === 0 ? 0 : 1;
}
console.log(`\ntests: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
