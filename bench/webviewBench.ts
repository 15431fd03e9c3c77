/**
 * Streaming speed of the run panel: the real bundle in headless Chromium (test/webview/browserHarness.ts)
 * receives 10,000 points a second, in batches every 100 ms as the engine sends them, for DURATION
 * seconds (default 10). The points are the recorded fixture run's, replayed in a loop with the
 * steps carried on, so the 26 jobs' curves keep growing: 100,000 points after 10 s.
 *
 * Reported: redraws (one per animation frame at most) and their time (performance measures named
 * iwl-draw), the intervals between animation frames (a frame over 50 ms is a visible stutter),
 * and what was drawn against what is held (the thinning). Numbers, not a pass/fail threshold.
 *
 *   npm run build && node dist-test/bench/webviewBench.js [--seconds=10] [--rate=10000]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readMetricsJsonl } from '../engine/contract/records';
import type { RunData } from '../webview/protocol';
import { repoRoot } from '../test/helpers';
import { launchChromium, openPanel } from '../test/webview/browserHarness';

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const seconds = arg('seconds', 10);
const rate = arg('rate', 10_000);
const batchMs = 100;

function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const recorded = readMetricsJsonl(readFileSync(join(repoRoot, 'test', 'fixtures', 'recorded', 'sweep', 'metrics.jsonl'), 'utf8'));
  const browser = await launchChromium();
  try {
    const p = await openPanel(browser, 'run', { width: 1400, height: 1000 });
    const dir = '/bench/run';
    const run: RunData = { dir, title: 'streaming benchmark', status: 'running', live: true, task: 'classification', records: [], entries: [], progress: null };
    await p.send({ type: 'snapshot', seq: 1, kind: 'run', runs: [run], ui: {} });
    // The stream is produced inside the page and delivered as message events, as VS Code delivers
    // the host's postMessage: no test-driver round trip per batch competes for the main thread.
    const sendSeconds = await p.page.evaluate(
      ({ recorded, rate, seconds, batchMs, dir }) =>
        new Promise<number>((resolve) => {
          const w = window as unknown as { __frames: number[] };
          w.__frames = [];
          let last = performance.now();
          const tick = (t: number) => {
            w.__frames.push(t - last);
            last = t;
            requestAnimationFrame(tick);
          };
          requestAnimationFrame(tick);
          performance.clearMeasures('iwl-draw');
          performance.clearMeasures('iwl-message');
          const period = Math.max(...recorded.map((r) => r.step)) + 2;
          const perBatch = Math.round((rate * batchMs) / 1000);
          const batches = Math.round((seconds * 1000) / batchMs);
          let cursor = 0;
          let seq = 1;
          const started = performance.now();
          const send = (b: number) => {
            const records = [];
            for (let i = 0; i < perBatch; i++, cursor++) {
              const r = recorded[cursor % recorded.length];
              records.push({ ...r, step: r.step + Math.floor(cursor / recorded.length) * period });
            }
            window.postMessage({ type: 'delta', seq: ++seq, dir, records, progress: { doneSteps: b + 1, totalSteps: batches, currentJob: null }, status: 'running' }, '*');
            if (b + 1 === batches) {
              resolve((performance.now() - started) / 1000);
              return;
            }
            // Batches on the clock (every batchMs from the start), like the engine's timer.
            setTimeout(() => send(b + 1), Math.max(0, started + (b + 1) * batchMs - performance.now()));
          };
          send(0);
        }),
      { recorded, rate, seconds, batchMs, dir },
    );
    const perBatch = Math.round((rate * batchMs) / 1000);
    const batches = Math.round((seconds * 1000) / batchMs);
    await p.page.waitForTimeout(500);
    const stats = await p.page.evaluate(() => ({
      draws: performance.getEntriesByName('iwl-draw').map((e) => e.duration),
      messages: performance.getEntriesByName('iwl-message').map((e) => e.duration),
      frames: (window as unknown as { __frames: number[] }).__frames.slice(1),
      charts: Array.from(document.querySelectorAll<HTMLElement>('section.chart')).map((c) => ({ id: c.dataset.chart, series: c.dataset.series, points: c.dataset.points, drawn: c.dataset.drawn })),
      status: document.querySelector('.panel-header .status')?.textContent ?? '',
    }));
    const total = perBatch * batches;
    const longFrames = stats.frames.filter((f) => f > 50).length;
    console.log(`streamed ${total.toLocaleString('en-US')} points in ${sendSeconds.toFixed(1)} s (${Math.round(total / sendSeconds).toLocaleString('en-US')} points/s, ${batches} batches of ${perBatch})`);
    console.log(`redraws: ${stats.draws.length} (${(stats.draws.length / sendSeconds).toFixed(1)}/s); draw time ms: mean ${(stats.draws.reduce((a, b) => a + b, 0) / stats.draws.length).toFixed(2)}, p50 ${percentile(stats.draws, 50).toFixed(2)}, p95 ${percentile(stats.draws, 95).toFixed(2)}, max ${Math.max(...stats.draws).toFixed(2)}`);
    console.log(`delta messages handled: ${stats.messages.length}; time ms: mean ${(stats.messages.reduce((a, b) => a + b, 0) / stats.messages.length).toFixed(2)}, p95 ${percentile(stats.messages, 95).toFixed(2)}, max ${Math.max(...stats.messages).toFixed(2)}`);
    console.log(`animation frames: ${stats.frames.length}; interval ms p50 ${percentile(stats.frames, 50).toFixed(1)}, p95 ${percentile(stats.frames, 95).toFixed(1)}, max ${Math.max(...stats.frames).toFixed(1)}; frames over 50 ms: ${longFrames}`);
    const last5 = stats.draws.slice(-Math.max(1, Math.floor(stats.draws.length / 10)));
    console.log(`draw time over the last tenth (the most data): mean ${(last5.reduce((a, b) => a + b, 0) / last5.length).toFixed(2)} ms`);
    for (const c of stats.charts) console.log(`chart ${c.id}: ${c.series} series x ${c.points} steps held, ${c.drawn} steps drawn`);
    console.log(`status line: ${stats.status.trim()}`);
    if (p.errors.length) console.log(`console errors: ${p.errors.join(' | ')}`);
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
