/** `iwl kernel` end to end: the built CLI on spec files with inline, .npy and .csv points. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNpy, writeNpy } from '../../../engine/util/npy';
import { runIwl, tempDir } from '../../helpers';

/** Depth-1 relu NTK written out in float64 (SCIENCE.md section 3), for rows of equal length. */
function reluKernels(x1: number[][], x2: number[][], w1: number, b1: number, w2: number, b2: number): { nngp: number[]; ntk: number[] } {
  const d = x1[0].length;
  const dot = (a: number[], b: number[]) => a.reduce((s, v, k) => s + v * b[k], 0);
  const nngp: number[] = [];
  const ntk: number[] = [];
  for (const a of x1) {
    for (const b of x2) {
      const q1 = (w1 * w1 * dot(a, a)) / d + b1 * b1;
      const q2 = (w1 * w1 * dot(b, b)) / d + b1 * b1;
      const c = (w1 * w1 * dot(a, b)) / d + b1 * b1;
      const th = Math.acos(Math.max(-1, Math.min(1, c / Math.sqrt(q1 * q2))));
      const k = (Math.sqrt(q1 * q2) * (Math.sin(th) + (Math.PI - th) * Math.cos(th))) / (2 * Math.PI);
      const kd = (Math.PI - th) / (2 * Math.PI);
      const sigma = w2 * w2 * k + b2 * b2;
      nngp.push(sigma);
      ntk.push(sigma + w2 * w2 * kd * c);
    }
  }
  return { nngp, ntk };
}

const NETWORK_YAML = `network:
  layers:
    - dense: { width: 512, wStd: 1.5, bStd: 0.1 }
    - relu
    - dense: { wStd: 1.2, bStd: 0.05 }
`;

/** float32 Gram, relative to the largest entry (see analytic.ts). */
const TOLERANCE = 1e-6;

function assertNear(got: ArrayLike<number>, want: number[], what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  const scale = Math.max(...want.map(Math.abs));
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= TOLERANCE * scale, `${what}[${i}]: ${got[i]} vs ${want[i]}`);
}

describe('iwl kernel', () => {
  const x1 = [[1, 2, 3], [0.5, -1, 2], [0, 0, 1], [1, 2, 3]];
  const x2 = [[1, 2, 3.5], [-1, 0.25, 0]];

  test('inline rows: writes nngp.npy, ntk.npy and info.json; exit 0', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'spec.yaml'), `${NETWORK_YAML}x1: ${JSON.stringify(x1)}\nx2: ${JSON.stringify(x2)}\n`);
    const run = runIwl(['kernel', 'spec.yaml', '--out', 'out'], { cwd: dir });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /wrote .*nngp\.npy.*4 x 2/);
    assert.match(run.stderr, /about \d+ MiB of memory, roughly [\d.]+ s on wasm/);
    const nngp = readNpy(join(dir, 'out', 'nngp.npy'));
    const ntk = readNpy(join(dir, 'out', 'ntk.npy'));
    assert.deepEqual(ntk.shape, [4, 2]);
    assert.equal(ntk.descr, '<f8');
    const want = reluKernels(x1, x2, 1.5, 0.1, 1.2, 0.05);
    assertNear(nngp.data, want.nngp, 'nngp');
    assertNear(ntk.data, want.ntk, 'ntk');
    const info = JSON.parse(readFileSync(join(dir, 'out', 'info.json'), 'utf8'));
    assert.equal(info.backend, 'wasm');
    assert.equal(typeof info.backendDetail, 'string');
    assert.equal(info.dtype, 'float64');
    assert.ok(info.seconds >= 0 && info.seconds < 60);
    assert.deepEqual([info.n1, info.n2, info.inputDim], [4, 2, 3]);
    assert.equal(info.network.hiddenLayers, 1);
    assert.deepEqual(info.network.layers, ['dense(wStd=1.5, bStd=0.1)', 'relu', 'dense(wStd=1.2, bStd=0.05)']);
    assert.ok(info.memoryBytes > 0);
  });

  test('x2 omitted: the symmetric n x n kernel', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'spec.json'), JSON.stringify({ network: { layers: [{ dense: { width: 8, wStd: 1.5, bStd: 0.1 } }, 'relu', { dense: { wStd: 1.2, bStd: 0.05 } }] }, x1 }));
    const run = runIwl(['kernel', 'spec.json', '--out', 'k', '--tile', '2', '--quiet'], { cwd: dir });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, '');
    const ntk = readNpy(join(dir, 'k', 'ntk.npy'));
    assert.deepEqual(ntk.shape, [4, 4]);
    assertNear(ntk.data, reluKernels(x1, x1, 1.5, 0.1, 1.2, 0.05).ntk, 'ntk');
    assert.equal(JSON.parse(readFileSync(join(dir, 'k', 'info.json'), 'utf8')).symmetric, true);
  });

  test('.npy and .csv inputs (the csv with a header row) give the inline result', () => {
    const dir = tempDir();
    writeNpy(join(dir, 'x1.npy'), Float64Array.from(x1.flat()), [4, 3]);
    writeFileSync(join(dir, 'x2.csv'), 'a,b,c\n1,2,3.5\n-1, 0.25, 0\n');
    writeFileSync(join(dir, 'spec.yaml'), `${NETWORK_YAML}x1: x1.npy\nx2: x2.csv\n`);
    const run = runIwl(['kernel', join(dir, 'spec.yaml'), '--out', join(dir, 'out')]);
    assert.equal(run.status, 0, run.stderr);
    assertNear(readNpy(join(dir, 'out', 'ntk.npy')).data, reluKernels(x1, x2, 1.5, 0.1, 1.2, 0.05).ntk, 'ntk');
    // A float32 .npy and a headerless .csv work too.
    writeNpy(join(dir, 'x1f.npy'), Float32Array.from(x1.flat()), [4, 3]);
    writeFileSync(join(dir, 'x2.csv'), '1,2,3.5\n-1,0.25,0\n');
    writeFileSync(join(dir, 'spec.yaml'), `${NETWORK_YAML}x1: x1f.npy\nx2: x2.csv\n`);
    const again = runIwl(['kernel', join(dir, 'spec.yaml'), '--out', join(dir, 'out2')]);
    assert.equal(again.status, 0, again.stderr);
    assertNear(readNpy(join(dir, 'out2', 'ntk.npy')).data, reluKernels(x1, x2, 1.5, 0.1, 1.2, 0.05).ntk, 'ntk');
  });

  test('a bad spec prints FILE:LINE:COL: error CODE: message and exits 2, writing nothing', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bad.yaml'), `network:\n  layers:\n    - dense: { width: 4 }\n    - swish\n    - dense: {}\nx1: [[1, 2]]\n`);
    const run = runIwl(['kernel', 'bad.yaml', '--out', 'out'], { cwd: dir });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /^bad\.yaml:4:\d+: error [\w-]+: .*swish/m);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
    assert.equal(existsSync(join(dir, 'out')), false);

    writeFileSync(join(dir, 'missing.yaml'), `${NETWORK_YAML}x1: nowhere.npy\n`);
    const missing = runIwl(['kernel', 'missing.yaml', '--out', 'out'], { cwd: dir });
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /^missing\.yaml:\d+:\d+: error [\w-]+: .*nowhere\.npy/m);

    writeFileSync(join(dir, 'standard.yaml'), NETWORK_YAML.replace('network:\n', 'network:\n  parametrization: standard\n') + 'x1: [[1, 2, 3]]\n');
    const standard = runIwl(['kernel', 'standard.yaml', '--out', 'out'], { cwd: dir });
    assert.equal(standard.status, 2);
    assert.match(standard.stderr, /^standard\.yaml:2:\d+: error [\w-]+: .*'ntk'/m);
    assert.equal(existsSync(join(dir, 'out')), false);

    const absent = runIwl(['kernel', 'absent.yaml', '--out', 'out'], { cwd: dir });
    assert.equal(absent.status, 2);
    assert.match(absent.stderr, /absent\.yaml:1:1: error file-not-found/);
  });

  test('a matrix file with a non-number names the file, line and column; exit 2', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'x.csv'), '1,2,3\n4,five,6\n');
    writeFileSync(join(dir, 'spec.yaml'), `${NETWORK_YAML}x1: x.csv\n`);
    const run = runIwl(['kernel', 'spec.yaml', '--out', 'out'], { cwd: dir });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /x\.csv:2:3: error matrix-not-numeric: x1: field 2 of line 2 is "five"/);

    writeFileSync(join(dir, 'v.npy'), 'not an npy file at all');
    writeFileSync(join(dir, 'spec.yaml'), `${NETWORK_YAML}x1: [[1, 2, 3]]\nx2: v.npy\n`);
    const npy = runIwl(['kernel', 'spec.yaml', '--out', 'out'], { cwd: dir });
    assert.equal(npy.status, 2);
    assert.match(npy.stderr, /v\.npy:1:1: error npy-invalid: x2: not a .npy file/);

    writeNpy(join(dir, 'w.npy'), Float64Array.from([1, 2, 3, 4]), [2, 2]);
    writeFileSync(join(dir, 'spec.yaml'), `${NETWORK_YAML}x1: [[1, 2, 3]]\nx2: w.npy\n`);
    const shape = runIwl(['kernel', 'spec.yaml', '--out', 'out'], { cwd: dir });
    assert.equal(shape.status, 2);
    assert.match(shape.stderr, /x2 has 2 columns but x1 has 3/);
  });

  test('usage problems exit 2 with the usage text', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'spec.yaml'), `${NETWORK_YAML}x1: [[1]]\n`);
    for (const args of [['kernel', 'spec.yaml'], ['kernel', '--out', 'o'], ['kernel', 'spec.yaml', '--out', 'o', '--backend', 'cuda'], ['kernel', 'spec.yaml', '--out', 'o', '--tile', '0']]) {
      const run = runIwl(args, { cwd: dir });
      assert.equal(run.status, 2, args.join(' '));
      assert.match(run.stderr, /Usage: iwl kernel SPEC --out DIR/);
    }
    assert.match(runIwl(['kernel', 'spec.yaml', '--out', 'o', '--backend', 'cuda'], { cwd: dir }).stderr, /--backend must be one of wasm, cpu/);
  });

  test('the cpu backend gives the same kernels', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'spec.yaml'), `${NETWORK_YAML}x1: ${JSON.stringify(x1)}\n`);
    const run = runIwl(['kernel', 'spec.yaml', '--out', 'out', '--backend', 'cpu'], { cwd: dir });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(JSON.parse(readFileSync(join(dir, 'out', 'info.json'), 'utf8')).backend, 'cpu');
    assertNear(readNpy(join(dir, 'out', 'ntk.npy')).data, reluKernels(x1, x1, 1.5, 0.1, 1.2, 0.05).ntk, 'ntk');
  });
});
