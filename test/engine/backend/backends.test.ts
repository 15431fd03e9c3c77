/**
 * Every backend that runs here computes what wasm computes. A process uses one backend, so each
 * backend runs in its own child process: this same file, started with IWL_BACKEND_CHILD=<name>,
 * computes a fixed workload and prints it as JSON instead of registering tests.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { BackendName, releaseBackend, tensorflowPackages, useBackend } from '../../../engine/backend';
import { architectureOf } from '../../../engine/nn/architecture';
import { empiricalKernels } from '../../../engine/nn/empiricalKernels';
import { applyNetwork, disposeTensors, initParams, toTensors } from '../../../engine/nn/finiteNetwork';
import { computeKernels } from '../../../engine/kernels/analytic';
import { IwlError } from '../../../engine/util/iwlError';
import { errorMessage } from '../../../engine/contract/errors';
import { makeNetwork, randomPoints } from '../nn/networkFixtures';
import { runIwl } from '../../helpers';

/** What a child computes on its backend; the workload is fixed by seeds, so it is the same everywhere. */
interface Workload {
  backend: string;
  detail: string;
  forward: number[];
  empiricalNtk: number[];
  nngp: number[];
  ntk: number[];
  leakedTensors: number;
}

const network = makeNetwork({ hidden: [[{ kind: 'relu' }], [{ kind: 'erf' }], [{ kind: 'gelu' }]], wStd: 1.3, bStd: 0.2 });

async function child(name: BackendName): Promise<void> {
  try {
    const info = await useBackend(name);
    const before = tf.memory().numTensors;
    const x = randomPoints(6, 5, 1);
    const params = initParams(architectureOf(network), 5, 64, 3, 7);
    const tensors = toTensors(params);
    const input = tf.tensor2d(Float32Array.from(x.data), [6, 5]);
    const out = applyNetwork(params.layers, tensors, input);
    const forward = Array.from(await out.data());
    tf.dispose([out, input]);
    disposeTensors(tensors);
    const empirical = await empiricalKernels(params, x);
    const analytic = await computeKernels(network, x, null);
    const result: Workload = {
      backend: name,
      detail: info.detail,
      forward,
      empiricalNtk: Array.from(empirical.ntk),
      nngp: Array.from(analytic.nngp),
      ntk: Array.from(analytic.ntk),
      leakedTensors: tf.memory().numTensors - before,
    };
    process.stdout.write(JSON.stringify(result) + '\n');
  } catch (error) {
    const code = error instanceof IwlError ? error.code : 'ERROR';
    process.stderr.write(`${code}: ${errorMessage(error)}\n`);
    process.exitCode = 3;
  } finally {
    // IWL_BACKEND_CHILD_RELEASE=0 checks that a process that used webgpu also exits without it.
    if (process.env.IWL_BACKEND_CHILD_RELEASE !== '0') releaseBackend();
  }
}

function runChild(name: string, env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [__filename], {
    env: { ...process.env, IWL_BACKEND_CHILD: name, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
}

/**
 * float32 tolerance between backends, relative to the largest entry: the same float32 ops in a
 * different summation order (XNNPACK, JS loops, WGSL shaders) differ by a few ulps per op
 * (eps = 1.2e-7); tfjs's erf and gelu are polynomial fits good to about 1.5e-7 on every backend, but
 * their implementations differ. Over 4 layers of sums of at most 64 terms, that stays below 1e-5.
 */
const BACKEND_RTOL = 1e-5;

function assertSameValues(actual: number[], expected: number[], what: string): number {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const scale = Math.max(...expected.map(Math.abs));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / scale);
  assert.ok(worst <= BACKEND_RTOL, `${what}: worst difference ${worst.toExponential(2)} of the largest entry > ${BACKEND_RTOL}`);
  return worst;
}

function tfjsNodeInstalled(): boolean {
  const requireHere = createRequire(__filename);
  return tensorflowPackages.some((pkg) => {
    try {
      requireHere.resolve(pkg);
      return true;
    } catch {
      return false;
    }
  });
}

if (process.env.IWL_BACKEND_CHILD) {
  void child(process.env.IWL_BACKEND_CHILD as BackendName);
} else {
  describe('backends', () => {
    let reference: Workload | null = null;
    const wasm = (): Workload => {
      if (!reference) {
        const result = runChild('wasm');
        assert.equal(result.status, 0, `wasm child failed: ${result.stderr}`);
        reference = JSON.parse(result.stdout) as Workload;
      }
      return reference;
    };

    test('wasm (the default) runs the workload and frees its tensors', () => {
      const ref = wasm();
      assert.match(ref.detail, /^wasm \(XNNPACK/);
      assert.equal(ref.leakedTensors, 0);
      assert.equal(ref.forward.length, 6 * 3);
      assert.equal(ref.ntk.length, 36);
    });

    const compare = (name: string, result: ReturnType<typeof runChild>) => {
      assert.equal(result.status, 0, `${name} child failed: ${result.stderr}`);
      const got = JSON.parse(result.stdout) as Workload;
      const ref = wasm();
      assert.equal(got.backend, name);
      assert.equal(got.leakedTensors, 0, `${name}: tensors leaked`);
      const worst = [
        assertSameValues(got.forward, ref.forward, `${name} forward pass vs wasm`),
        assertSameValues(got.empiricalNtk, ref.empiricalNtk, `${name} empirical NTK vs wasm`),
        assertSameValues(got.nngp, ref.nngp, `${name} analytic NNGP vs wasm`),
        assertSameValues(got.ntk, ref.ntk, `${name} analytic NTK vs wasm`),
      ];
      const report = `${got.detail}: worst relative differences from wasm: forward ${worst[0].toExponential(1)}, ` +
        `empirical NTK ${worst[1].toExponential(1)}, NNGP ${worst[2].toExponential(1)}, NTK ${worst[3].toExponential(1)}`;
      return { got, report };
    };

    test('cpu computes the same network and kernels as wasm', (t) => {
      t.diagnostic(compare('cpu', runChild('cpu')).report);
    });

    test('webgpu (software adapter here) computes the same network and kernels as wasm', (t) => {
      const result = runChild('webgpu');
      if (result.status !== 0 && /BACKEND_UNAVAILABLE/.test(result.stderr) && process.env.CI !== 'true') {
        // Locally without Mesa's EGL/GLES libraries webgpu cannot start; CI installs them, so there it must run.
        t.skip(`webgpu is unavailable here: ${result.stderr.trim()}`);
        return;
      }
      const { got, report } = compare('webgpu', result);
      assert.match(got.detail, /^webgpu on /);
      t.diagnostic(report);
    });

    test('a process that used webgpu exits on its own without releaseBackend', (t) => {
      const result = runChild('webgpu', { IWL_BACKEND_CHILD_RELEASE: '0' });
      if (result.status !== 0 && /BACKEND_UNAVAILABLE/.test(result.stderr) && process.env.CI !== 'true') {
        t.skip('webgpu is unavailable here');
        return;
      }
      assert.equal(result.error, undefined, `the child did not exit: ${result.error}`);
      assert.equal(result.status, 0, result.stderr);
    });

    test('tensorflow: unavailable here with a message naming the package and how to install it', (t) => {
      if (tfjsNodeInstalled()) {
        t.diagnostic(compare('tensorflow', runChild('tensorflow')).report);
        return;
      }
      const result = runChild('tensorflow');
      assert.equal(result.status, 3, 'the child must fail');
      assert.equal(result.stdout, '', 'no silent fallback to another backend');
      assert.match(result.stderr, /^BACKEND_UNAVAILABLE: backend 'tensorflow' is not available/);
      assert.match(result.stderr, /@tensorflow\/tfjs-node/);
      assert.match(result.stderr, /npm install @tensorflow\/tfjs-node/);
      t.diagnostic(result.stderr.trim());
    });

    test('`iwl backends` lists every backend, one line each, and --json agrees', () => {
      const text = runIwl(['backends']);
      assert.equal(text.status, 0, text.stderr);
      const lines = text.stdout.trimEnd().split('\n');
      assert.deepEqual(lines.map((l) => l.split(/\s+/)[0]), ['wasm', 'cpu', 'tensorflow', 'webgpu']);
      assert.match(lines[0], /^wasm\s+ok\s+wasm \(XNNPACK.*\[default\]$/);
      assert.match(lines[1], /^cpu\s+ok\s+cpu \(pure JavaScript/);
      const json = runIwl(['backends', '--json']);
      assert.equal(json.status, 0, json.stderr);
      const probes = JSON.parse(json.stdout) as { name: string; available: boolean; detail: string | null; reason: string | null; isDefault: boolean }[];
      assert.deepEqual(probes.map((p) => p.name), ['wasm', 'cpu', 'tensorflow', 'webgpu']);
      probes.forEach((p, i) => {
        assert.equal(lines[i].split(/\s+/)[1], p.available ? 'ok' : 'unavailable');
        assert.ok(lines[i].includes((p.available ? p.detail : p.reason)!), `line ${i} shows the detail or the reason`);
        assert.equal(p.isDefault, p.name === 'wasm');
      });
      if (!tfjsNodeInstalled()) {
        assert.equal(probes[2].available, false);
        assert.match(probes[2].reason!, /neither @tensorflow\/tfjs-node-gpu nor @tensorflow\/tfjs-node is installed/);
      }
      if (process.env.CI === 'true') assert.equal(probes[3].available, true, `webgpu must start in CI: ${probes[3].reason}`);
    });

    test('`iwl backends` refuses unknown options with exit code 2', () => {
      const result = runIwl(['backends', '--nope']);
      assert.equal(result.status, 2);
      assert.match(result.stderr, /unknown option --nope/);
    });
  });
}
