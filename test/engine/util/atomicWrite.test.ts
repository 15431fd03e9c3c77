import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../helpers';
import { writeFileAtomic } from '../../../engine/util/atomicWrite';

test('writeFileAtomic creates or replaces the file and leaves no temporary file beside it', () => {
  const dir = tempDir();
  const path = join(dir, 'summary.json');
  writeFileAtomic(path, '{"status":"running"}\n');
  assert.equal(readFileSync(path, 'utf8'), '{"status":"running"}\n');
  writeFileSync(join(dir, 'other.txt'), 'kept');
  writeFileAtomic(path, '{"status":"completed"}\n');
  assert.equal(readFileSync(path, 'utf8'), '{"status":"completed"}\n');
  assert.deepEqual(readdirSync(dir).sort(), ['other.txt', 'summary.json']);
});

test('writeFileAtomic into a missing folder throws and writes nothing', () => {
  const dir = tempDir();
  assert.throws(() => writeFileAtomic(join(dir, 'missing', 'shard.json'), '{}'), /ENOENT/);
  assert.deepEqual(readdirSync(dir), []);
});
