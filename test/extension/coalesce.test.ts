import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { CoalescedRefresh, RefreshTimer } from '../../extension/coalesce';

describe('coalescing refreshes', () => {
  test('requests during a pass become one more pass, then `after` once; every caller waits for the last', async () => {
    const log: string[] = [];
    let release: () => void = () => undefined;
    let passes = 0;
    const refresh = new CoalescedRefresh(
      async () => {
        passes++;
        log.push(`pass ${passes}`);
        await new Promise<void>((r) => (release = r));
      },
      () => log.push('after'),
    );
    const first = refresh.request();
    assert.equal(refresh.busy, true);
    const second = refresh.request();
    const third = refresh.request();
    release();
    await new Promise((r) => setImmediate(r));
    release();
    await Promise.all([first, second, third]);
    assert.deepEqual(log, ['pass 1', 'pass 2', 'after']);
    assert.equal(refresh.busy, false);
    const fourth = refresh.request();
    release();
    await fourth;
    assert.deepEqual(log.slice(3), ['pass 3', 'after'], 'a request after the burst runs its own pass');
  });

  test('soon() fires once per burst; restart() fires after the last request', async () => {
    let fired = 0;
    const timer = new RefreshTimer(() => fired++);
    for (let i = 0; i < 5; i++) timer.soon(10);
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(fired, 1);
    timer.restart(30);
    await new Promise((r) => setTimeout(r, 15));
    timer.restart(30);
    await new Promise((r) => setTimeout(r, 15));
    assert.equal(fired, 1, 'restarted: not yet');
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(fired, 2);
    timer.soon(10);
    timer.dispose();
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(fired, 2, 'disposed: never fires');
  });
});
