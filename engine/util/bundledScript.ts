/**
 * A bundle the engine starts as a separate process or thread (dist/worker.js, dist/choleskyLane.js):
 * next to the running bundle (dist/), or, for the compiled tests in dist-test/, in the dist/ folder
 * of the checkout above them.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { IwlError } from './iwlError';

export function bundledScript(name: string): string {
  const beside = join(__dirname, name);
  if (existsSync(beside)) return beside;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'dist', name);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new IwlError('WORKER_MISSING', `the engine's script dist/${name} is missing next to ${__dirname}: rebuild with npm run build`);
}
