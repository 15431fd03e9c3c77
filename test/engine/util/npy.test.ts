import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { NpyError, decodeNpy, encodeNpy, readNpy, writeNpy } from '../../../engine/util/npy';
import { tempDir } from '../../helpers';

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const latin1 = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const concat = (a: Uint8Array, b: Uint8Array) => {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};

/** np.save of np.arange(6, dtype='<f8').reshape(2, 3) * 0.5 with numpy 2.4: header, then data. */
const NUMPY_F8_HEADER = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }" + ' '.repeat(58) + '\n';
const NUMPY_F8_DATA = '0000000000000000000000000000e03f000000000000f03f000000000000f83f00000000000000400000000000000440';
/** np.save of np.array([1.5, -2], dtype='<f4'). */
const NUMPY_F4_HEADER = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }" + ' '.repeat(60) + '\n';

describe('npy', () => {
  test('writes the exact bytes numpy writes', () => {
    const f8 = encodeNpy(Float64Array.from([0, 0.5, 1, 1.5, 2, 2.5]), [2, 3]);
    const prefix = hex(Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0x76, 0]));
    assert.equal(hex(f8), prefix + hex(latin1(NUMPY_F8_HEADER)) + NUMPY_F8_DATA);
    const f4 = encodeNpy(Float32Array.from([1.5, -2]), [2]);
    assert.equal(hex(f4), prefix + hex(latin1(NUMPY_F4_HEADER)) + '0000c03f000000c0');
    assert.equal(f8.length % 16, 0);
  });

  test('round-trips float64 and float32 arrays of several shapes', () => {
    const dir = tempDir();
    const cases: [Float64Array | Float32Array, number[]][] = [
      [Float64Array.from([Math.PI, -0, 1e-300, -1.5e300, Number.MIN_VALUE, 7]), [3, 2]],
      [Float32Array.from([1.25, -3.5, 0.1]), [3]],
      [new Float64Array(0), [0, 4]],
      [Float64Array.from([42]), []],
      [Float64Array.from({ length: 24 }, (_, i) => i / 7), [2, 3, 4]],
    ];
    cases.forEach(([data, shape], i) => {
      const path = join(dir, `a${i}.npy`);
      writeNpy(path, data, shape);
      const back = readNpy(path);
      assert.deepEqual(back.shape, shape);
      assert.equal(back.data.constructor, data.constructor);
      assert.deepEqual(Array.from(back.data), Array.from(data));
      assert.equal(back.descr, data instanceof Float64Array ? '<f8' : '<f4');
    });
  });

  test('reads integer dtypes, Fortran order and format 2.0', () => {
    const header = (dict: string, major = 1) => {
      const body = dict + ' '.repeat(64 - ((dict.length + (major === 1 ? 11 : 13)) % 64)) + '\n';
      const prefix = major === 1 ? [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, body.length & 0xff, body.length >> 8] : [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0, body.length & 0xff, body.length >> 8, 0, 0];
      return concat(Uint8Array.from(prefix), latin1(body));
    };
    const ints = concat(header("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }"), new Uint8Array(Int32Array.from([1, -2, 3, 4]).buffer));
    assert.deepEqual(Array.from(decodeNpy(ints).data), [1, -2, 3, 4]);
    // Fortran order: column-major [[1, 2, 3], [4, 5, 6]] is stored 1 4 2 5 3 6.
    const fortran = concat(header("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", 2), new Uint8Array(Float64Array.from([1, 4, 2, 5, 3, 6]).buffer));
    const f = decodeNpy(fortran);
    assert.deepEqual(f.shape, [2, 3]);
    assert.deepEqual(Array.from(f.data), [1, 2, 3, 4, 5, 6]);
  });

  test('rejects broken files with a message that says why', () => {
    assert.throws(() => decodeNpy(latin1('hello world, not numpy')), (e: unknown) => e instanceof NpyError && /magic/.test((e as Error).message));
    const good = encodeNpy(Float64Array.from([1, 2, 3, 4]), [2, 2]);
    assert.throws(() => decodeNpy(good.subarray(0, good.length - 8)), /truncated .npy data/);
    const complex = encodeNpy(Float64Array.from([1, 2]), [2]);
    complex.set(latin1('<c8'), 10 + "{'descr': '".length);
    assert.throws(() => decodeNpy(complex), /unsupported .npy dtype '<c8'/);
    assert.throws(() => encodeNpy(Float64Array.from([1, 2, 3]), [2, 2]), /holds 4 values/);
  });

  test('numpy reads what we write and we read what numpy writes (skipped without python3 + numpy)', (t) => {
    const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      t.skip('python3 with numpy is not installed');
      return;
    }
    const dir = tempDir();
    writeNpy(join(dir, 'ours.npy'), Float64Array.from([1.5, -2, 3.25, 1e-310, 5, 6]), [3, 2]);
    const script = [
      'import numpy as np, sys',
      `a = np.load(${JSON.stringify(join(dir, 'ours.npy'))})`,
      'assert a.dtype == np.float64 and a.shape == (3, 2), (a.dtype, a.shape)',
      'assert a.tolist() == [[1.5, -2.0], [3.25, 1e-310], [5.0, 6.0]], a.tolist()',
      `np.save(${JSON.stringify(join(dir, 'theirs.npy'))}, np.arange(12, dtype=np.float32).reshape(3, 4) / 4)`,
      `np.save(${JSON.stringify(join(dir, 'fortran.npy'))}, np.asfortranarray(np.arange(6.0).reshape(2, 3)))`,
    ].join('\n');
    const run = spawnSync('python3', ['-c', script], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const theirs = readNpy(join(dir, 'theirs.npy'));
    assert.deepEqual(theirs.shape, [3, 4]);
    assert.ok(theirs.data instanceof Float32Array);
    assert.deepEqual(Array.from(theirs.data), Array.from({ length: 12 }, (_, i) => i / 4));
    assert.deepEqual(Array.from(readNpy(join(dir, 'fortran.npy')).data), [0, 1, 2, 3, 4, 5]);
    // And numpy's own bytes for the header test's array match ours.
    const same = spawnSync('python3', ['-c', `import numpy as np, io, sys\nb = io.BytesIO(); np.save(b, np.arange(6, dtype='<f8').reshape(2, 3) * 0.5); sys.stdout.write(b.getvalue().hex())`], { encoding: 'utf8' });
    assert.equal(same.stdout, hex(encodeNpy(Float64Array.from([0, 0.5, 1, 1.5, 2, 2.5]), [2, 3])));
  });
});
