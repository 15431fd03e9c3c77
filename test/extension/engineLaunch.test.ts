import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveEngineLaunch } from '../../extension/engineLaunch';
import { tempDir } from '../helpers';

describe('which Node runs the engine', () => {
  const base = { extensionRoot: '/ext', configuredNodePath: '', backend: 'wasm', hostExecPath: '/opt/code/code', hostElectron: '32.2.1', pathVariable: '' };

  test('by default the host runtime, told to act as Node', () => {
    const launch = resolveEngineLaunch(base);
    assert.equal(launch.enginePath, join('/ext', 'dist', 'engine.js'));
    assert.equal(launch.execPath, '/opt/code/code');
    assert.deepEqual(launch.env, { ELECTRON_RUN_AS_NODE: '1' });
  });

  test('the setting wins over everything', () => {
    const launch = resolveEngineLaunch({ ...base, configuredNodePath: ' /usr/local/bin/node ', backend: 'tensorflow' });
    assert.equal(launch.execPath, '/usr/local/bin/node');
    assert.deepEqual(launch.env, {});
  });

  test("the tensorflow backend in Electron prefers a node on PATH (its native addon needs plain Node)", () => {
    const bin = tempDir();
    const node = join(bin, 'node');
    writeFileSync(node, '#!/bin/sh\n');
    chmodSync(node, 0o755);
    assert.equal(resolveEngineLaunch({ ...base, backend: 'tensorflow', pathVariable: `/nope:${bin}` }).execPath, node);
    assert.equal(resolveEngineLaunch({ ...base, backend: 'tensorflow', pathVariable: '/nope' }).execPath, '/opt/code/code', 'no node on PATH: the host runtime');
    assert.equal(resolveEngineLaunch({ ...base, backend: 'tensorflow', hostElectron: undefined, pathVariable: bin }).execPath, '/opt/code/code', 'a plain Node host is already Node');
  });
});
