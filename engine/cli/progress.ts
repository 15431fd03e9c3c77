/**
 * Progress on stderr: a redrawn bar with ETA on a terminal, plain lines otherwise (logs, CI, pipes).
 */
import { formatDuration } from '../contract/durations';
import { RunEta } from '../contract/eta';

export interface ProgressSink {
  /** `work`: the steps weighted by each job's cost; the percentage and ETA follow it when given. */
  update(done: number, total: number, label: string, work?: { done: number; total: number }): void;
  line(message: string): void;
  done(): void;
}

/** Remaining time from the rate so far; null until there is something to extrapolate from. */
export function estimateRemaining(done: number, total: number, elapsedSeconds: number): number | null {
  if (done <= 0 || elapsedSeconds <= 0) return null;
  return (elapsedSeconds / done) * Math.max(0, total - done);
}

export function createProgress(stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }, options: { quiet: boolean; now?: () => number }): ProgressSink {
  const now = options.now ?? Date.now;
  const started = now();
  let lastPlain = -Infinity;
  let lastDraw = -Infinity;
  let drawn = false;
  const tty = Boolean(stream.isTTY);

  const eta = new RunEta();
  const describe = (done: number, total: number, work?: { done: number; total: number }) => {
    const elapsed = (now() - started) / 1000;
    const fraction = work && work.total > 0 ? Math.min(1, work.done / work.total) : total > 0 ? Math.min(1, done / total) : 0;
    const remaining = work ? eta.remaining(work.done, work.total, elapsed) : estimateRemaining(done, total, elapsed);
    return { fraction, eta: remaining === null ? '?' : formatDuration(remaining) };
  };

  return {
    update(done, total, label, work) {
      if (options.quiet) return;
      const { fraction, eta } = describe(done, total, work);
      const t = now();
      if (tty) {
        if (t - lastDraw < 100 && done < total) return;
        lastDraw = t;
        const width = 24;
        const filled = Math.round(fraction * width);
        const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
        const text = `${bar} ${(fraction * 100).toFixed(0).padStart(3)}% ${done}/${total} steps  ETA ${eta}  ${label}`;
        const columns = stream.columns ?? 100;
        stream.write(`\r\x1b[2K${text.slice(0, columns - 1)}`);
        drawn = true;
      } else if (t - lastPlain >= 5000 || done >= total) {
        lastPlain = t;
        stream.write(`progress ${(fraction * 100).toFixed(0)}% (${done}/${total} steps) ETA ${eta} ${label}\n`);
      }
    },
    line(message) {
      if (options.quiet) return;
      if (tty && drawn) stream.write('\r\x1b[2K');
      stream.write(message + '\n');
      drawn = false;
      lastDraw = -Infinity;
    },
    done() {
      if (tty && drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
