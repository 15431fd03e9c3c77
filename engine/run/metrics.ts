/**
 * Metrics computed from predictions, the same way for every model (finite or infinite), so that
 * curves are comparable point by point. Shapes: predictions and targets are row-major [N, k]. The
 * losses themselves, and their gradients, are in engine/train/losses.ts.
 */
type Values = ArrayLike<number>;

/** Fraction of rows whose arg-max prediction equals the label. */
export function accuracy(f: Values, labels: ArrayLike<number>, k: number): number {
  const n = labels.length;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (f[i * k + j] > f[i * k + best]) best = j;
    if (best === labels[i]) correct++;
  }
  return n === 0 ? 0 : correct / n;
}

/** Root mean square difference over all entries: the finite-vs-limit prediction gap. */
export function rmse(a: Values, b: Values): number {
  if (a.length !== b.length) throw new RangeError(`rmse: lengths differ (${a.length} vs ${b.length})`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    sum += d * d;
  }
  return a.length === 0 ? 0 : Math.sqrt(sum / a.length);
}
