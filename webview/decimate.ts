/**
 * Thinning for drawing only: what a chart hands to the canvas (and the SVG export) when a series
 * has more points than the plot has pixel columns. The data is never modified.
 *
 * Min/max decimation over aligned columns: the x window [x0, x1] is cut into `buckets` equal
 * slices (one per pixel column); a slice holding several points becomes two drawn points, at the
 * x of its first and its last point, carrying each column's minimum and maximum over the slice in
 * the order they occurred. Every column keeps its full vertical extent in every pixel column, so
 * the picture is the same as drawing everything (spikes included), at 2 points per pixel column
 * whatever the number of points or series. Hover and keyboard read-outs look the real values up
 * by x (the drawn x are real x values).
 *
 * On a log axis, values that are not positive are left out (counted in `dropped`).
 */

export interface Decimated {
  x: number[];
  /** One per input column, aligned with x; null is a gap. */
  columns: (number | null)[][];
  /** Non-positive values hidden by the log axis (in the window). */
  dropped: number;
  /** Whether points were merged (false: every point in the window is drawn). */
  thinned: boolean;
}

export function decimate(x: ArrayLike<number>, columns: readonly ArrayLike<number>[], range: readonly [number, number] | null, buckets: number, logY: boolean): Decimated {
  const n = x.length;
  const k = columns.length;
  const out: Decimated = { x: [], columns: columns.map(() => []), dropped: 0, thinned: false };
  const usable = (v: number) => !Number.isNaN(v) && (!logY || (v > 0 && Number.isFinite(v)));
  const pushPoint = (i: number) => {
    out.x.push(x[i]);
    for (let c = 0; c < k; c++) {
      const v = columns[c][i];
      if (usable(v)) out.columns[c].push(v);
      else {
        if (logY && !Number.isNaN(v)) out.dropped++;
        out.columns[c].push(null);
      }
    }
  };
  if (n === 0) return out;
  let lo = 0;
  let hi = n - 1;
  if (range) {
    while (lo < n && x[lo] < range[0]) lo++;
    while (hi >= 0 && x[hi] > range[1]) hi--;
  }
  buckets = Math.max(1, Math.floor(buckets));
  if (hi - lo + 1 <= 2 * buckets) {
    // Few enough: draw every point (uPlot clips to the window).
    for (let i = 0; i < n; i++) pushPoint(i);
    return out;
  }
  out.thinned = true;
  const x0 = range ? range[0] : x[lo];
  const span = (range ? range[1] : x[hi]) - x0 || 1;
  const bucketOf = (i: number) => Math.min(buckets - 1, Math.max(0, Math.floor(((x[i] - x0) / span) * buckets)));
  if (lo > 0) pushPoint(lo - 1);
  const minI = new Int32Array(k);
  const maxI = new Int32Array(k);
  let i = lo;
  while (i <= hi) {
    const b = bucketOf(i);
    let j = i;
    while (j + 1 <= hi && bucketOf(j + 1) === b) j++;
    if (i === j) {
      pushPoint(i);
      i++;
      continue;
    }
    out.x.push(x[i], x[j]);
    for (let c = 0; c < k; c++) {
      const col = columns[c];
      minI[c] = -1;
      maxI[c] = -1;
      for (let t = i; t <= j; t++) {
        const v = col[t];
        if (!usable(v)) {
          if (logY && !Number.isNaN(v)) out.dropped++;
          continue;
        }
        if (minI[c] < 0 || v < col[minI[c]]) minI[c] = t;
        if (maxI[c] < 0 || v > col[maxI[c]]) maxI[c] = t;
      }
      const target = out.columns[c];
      if (minI[c] < 0) target.push(null, null);
      else if (minI[c] <= maxI[c]) target.push(col[minI[c]], col[maxI[c]]);
      else target.push(col[maxI[c]], col[minI[c]]);
    }
    i = j + 1;
  }
  if (hi < n - 1) pushPoint(hi + 1);
  return out;
}

/** The index of `value` in the ascending `x`, or of its nearest neighbour; -1 when x is empty. */
export function nearestIndex(x: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = x.length - 1;
  if (hi < 0) return -1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(x[lo - 1] - value) <= Math.abs(x[lo] - value)) return lo - 1;
  return lo;
}
