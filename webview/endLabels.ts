/**
 * Where the width labels at the right ends of a family's lines go ("w64", "w512"): at each line's
 * last point, moved apart vertically just enough not to overlap, since a sweep's lines converge
 * (they approach the same limit). Pure: canvas pixels in, canvas pixels out.
 */

/**
 * Label centres for `ys` (the lines' end heights, any order) at least `gap` apart, each as close to
 * its own line as that allows, all within [top, bottom]; returned in the order given.
 */
export function spreadLabels(ys: readonly number[], gap: number, top: number, bottom: number): number[] {
  const order = ys.map((y, i) => ({ y: Math.min(bottom, Math.max(top, y)), i })).sort((a, b) => a.y - b.y);
  // Blocks of labels that touch, each centred on the mean of its lines' heights (pool adjacent violators).
  const blocks: { start: number; count: number; mean: number }[] = [];
  for (let k = 0; k < order.length; k++) {
    blocks.push({ start: k, count: 1, mean: order[k].y });
    for (;;) {
      const b = blocks[blocks.length - 1];
      const a = blocks[blocks.length - 2];
      if (!a || a.mean + (a.count / 2 + b.count / 2) * gap <= b.mean) break;
      const count = a.count + b.count;
      blocks.splice(-2, 2, { start: a.start, count, mean: (a.mean * a.count + b.mean * b.count) / count });
    }
  }
  const out = new Array<number>(ys.length);
  for (const b of blocks) {
    const height = (b.count - 1) * gap;
    const first = Math.min(Math.max(top, b.mean - height / 2), Math.max(top, bottom - height));
    for (let j = 0; j < b.count; j++) out[order[b.start + j].i] = first + j * gap;
  }
  return out;
}
