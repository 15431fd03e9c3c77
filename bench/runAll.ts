/**
 * `npm run bench`: runs every benchmark in bench/ one after another, each in its own process
 * (a process uses one tfjs backend, and timings should not share a heap). Speed and memory
 * targets live here, not in the tests. Pass names to run only some: `npm run bench -- kernel`;
 * `--flag value` pairs (e.g. `--backend webgpu`) go to every benchmark.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Flags that take no value; every other `--flag` passes its next argument through with it. */
const BOOLEAN_FLAGS = new Set(['--numpy', '--quick']);

/** Splits argv into name filters and `--flag [value]` pairs, so `--backend webgpu` reaches the benchmarks
 * whole instead of 'webgpu' filtering the benchmark files by name. */
export function splitArgs(args: string[]): { filters: string[]; passThrough: string[] } {
  const filters: string[] = [];
  const passThrough: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) filters.push(a);
    else {
      passThrough.push(a);
      const next = args[i + 1];
      if (!a.includes('=') && !BOOLEAN_FLAGS.has(a) && next !== undefined && !next.startsWith('--')) {
        passThrough.push(next);
        i++;
      }
    }
  }
  return { filters, passThrough };
}

const { filters, passThrough } = splitArgs(process.argv.slice(2));
const benches = readdirSync(__dirname)
  .filter((f) => f.endsWith('.js') && f !== 'runAll.js')
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();

let failed = 0;
for (const file of benches) {
  console.log(`\n=== ${file.replace(/\.js$/, '')} ===`);
  const result = spawnSync(process.execPath, [join(__dirname, file), ...passThrough], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
console.log(`\n${benches.length - failed} benchmarks ran, ${failed} failed`);
process.exit(failed ? 1 : 0);
