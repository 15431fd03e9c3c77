/**
 * `iwl backends [--json]`: which TensorFlow.js backends start on this machine. Each backend is
 * started in turn in this one process and checked on a small matmul; real work runs one backend
 * per process (`--backend NAME` on the commands that compute).
 */
import * as tf from '@tensorflow/tfjs';
import { BackendName, backendNames, defaultBackend, releaseBackend, useBackend } from '../backend';
import { errorMessage } from '../contract/errors';
import { CliCommand, ExitCode, parseArgs } from './io';

export interface BackendProbe {
  name: BackendName;
  available: boolean;
  isDefault: boolean;
  /** What runs (when available). */
  detail: string | null;
  /** Why it cannot start (when not available). */
  reason: string | null;
}

/** Starts `name`, checks [[1,2],[3,4]] @ [[5,6],[7,8]] = [[19,22],[43,50]] on it, and says what runs. */
export async function probeBackend(name: BackendName): Promise<BackendProbe> {
  const base = { name, isDefault: name === defaultBackend };
  try {
    const info = await useBackend(name);
    const product = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5, 6], [7, 8]])));
    const values = Array.from(await product.data());
    product.dispose();
    const expected = [19, 22, 43, 50];
    if (values.some((v, i) => Math.abs(v - expected[i]) > 1e-5)) {
      return { ...base, available: false, detail: null, reason: `started (${info.detail}) but a 2x2 matmul gave [${values.join(', ')}], expected [${expected.join(', ')}]` };
    }
    return { ...base, available: true, detail: info.detail, reason: null };
  } catch (error) {
    // The listing already names the backend; keep only the reason.
    const reason = errorMessage(error).replace(/^backend '[^']*' is not available: /, '');
    return { ...base, available: false, detail: null, reason };
  }
}

export const backendsCommand: CliCommand = {
  name: 'backends',
  summary: 'list the TensorFlow.js backends and whether each starts here',
  usage: [
    'Usage: iwl backends [--json]',
    '',
    'Starts each backend (wasm, cpu, tensorflow, webgpu) and prints one line per backend:',
    'its name, "ok" or "unavailable", and what runs or why it cannot start.',
    '',
    'Options:',
    '  --json   one JSON array of { name, available, isDefault, detail, reason }',
  ].join('\n'),
  async run(args, io) {
    const parsed = parseArgs(args, { switches: ['json'] });
    if (parsed.unknown.length || parsed.positional.length) {
      const problems = [...parsed.unknown, ...parsed.positional.map((p) => `unexpected argument '${p}'`)];
      io.stderr.write(`iwl backends: ${problems.join('; ')}\n${this.usage}\n`);
      return ExitCode.invalid;
    }
    const probes: BackendProbe[] = [];
    for (const name of backendNames) probes.push(await probeBackend(name));
    releaseBackend();
    if (parsed.switches.has('json')) {
      io.stdout.write(JSON.stringify(probes, null, 2) + '\n');
      return ExitCode.ok;
    }
    const width = Math.max(...backendNames.map((n) => n.length));
    for (const probe of probes) {
      const status = probe.available ? 'ok         ' : 'unavailable';
      const text = probe.available ? `${probe.detail}${probe.isDefault ? ' [default]' : ''}` : probe.reason;
      io.stdout.write(`${probe.name.padEnd(width)}  ${status}  ${text}\n`);
    }
    return ExitCode.ok;
  },
};
