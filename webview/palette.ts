/**
 * The charts' colours: a categorical palette with one hue per model, lighter shades for narrower
 * widths of a finite model, a dash pattern per sweep point (and its CSS form for legend swatches),
 * and the VS Code theme's colours (read from its CSS variables) for axes, grid and text.
 */

// Categorical palette (Tableau 10): readable on the dark and the light VS Code themes.
const palette = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export function modelColor(index: number): string {
  return palette[((index % palette.length) + palette.length) % palette.length];
}

/**
 * One hue per model; within a finite model the widths step through lightness, the widest at full
 * colour, so a sweep reads as approaching its (dashed) limit. The steps span 0.3-0.4 of HSL
 * lightness (lighter from a dark hue, darker from a light one, staying inside 0.22-0.82 so every
 * line shows on a dark and a light background): lightness is what the common colour-vision deficiencies keep, and
 * the earlier 0.55 mix toward grey left w32, w128 and w512 of a teal in three close shades.
 * `rank` in [0, 1], 1 the widest.
 */
export function shadeColor(hex: string, rank: number): string {
  const r = Math.min(1, Math.max(0, rank));
  if (r === 1) return hex;
  const [h, sat, l] = toHsl(hex);
  // Luminance changes slowly near the top of the range, so light hues take a longer way down.
  const target = l <= 0.55 ? Math.min(0.82, l + 0.3) : Math.max(0.22, l - 0.4);
  return fromHsl(h, sat, l + (target - l) * (1 - r));
}

/** Stroke width of a finite series by its width's rank in its model (1 the widest): thinner for narrower. */
export function strokeFor(rank: number): number {
  return 1.25 + Math.min(1, Math.max(0, rank));
}

function toHsl(hex: string): [number, number, number] {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const l = (max + min) / 2;
  const d = max - min;
  if (d === 0) return [0, 0, l];
  const s = d / (1 - Math.abs(2 * l - 1));
  const h = max === r ? ((g - b) / d + 6) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return [h * 60, s, l];
}

function fromHsl(h: number, s: number, l: number): string {
  const c = (1 - Math.abs(2 * l - 1)) * s;
  const x = c * (1 - Math.abs(((h / 60) % 2) - 1));
  const m = l - c / 2;
  const [r, g, b] = h < 60 ? [c, x, 0] : h < 120 ? [x, c, 0] : h < 180 ? [0, c, x] : h < 240 ? [0, x, c] : h < 300 ? [x, 0, c] : [c, 0, x];
  return `#${[r, g, b].map((v) => Math.round((v + m) * 255).toString(16).padStart(2, '0')).join('')}`;
}

/** Models in order of first appearance; widths per model ascending. */
export function colorLayout(jobs: Iterable<{ model: string; width: number | null }>): { models: string[]; widths: Map<string, number[]> } {
  const models: string[] = [];
  const widths = new Map<string, number[]>();
  for (const j of jobs) {
    if (!widths.has(j.model)) {
      models.push(j.model);
      widths.set(j.model, []);
    }
    const list = widths.get(j.model)!;
    if (j.width !== null && !list.includes(j.width)) list.push(j.width);
  }
  for (const list of widths.values()) list.sort((a, b) => a - b);
  return { models, widths };
}

/** Where a width ranks among its model's widths: 0 the narrowest, 1 the widest (and an infinite model, or a model of one width). */
export function widthRank(widths: Map<string, number[]>, model: string, width: number | null): number {
  const list = widths.get(model) ?? [];
  return width === null || list.length <= 1 ? 1 : Math.max(0, list.indexOf(width)) / (list.length - 1);
}

/** A model's hue, shaded by where its width ranks among the model's widths (infinite models at full colour). */
export function colorFor(models: string[], widths: Map<string, number[]>, model: string, width: number | null): string {
  const base = modelColor(Math.max(0, models.indexOf(model)));
  return width === null ? base : shadeColor(base, widthRank(widths, model, width));
}

/**
 * Dash patterns (CSS pixels) that tell a model's sweep points apart within its colour: a finite
 * model's first point solid, then dotted, dash-dot and dash-dot-dot; a limit's first point dashed
 * (as every limit is), then dash-dot, long dashes and long dash-dot-dot, so a finite point and a
 * limit point never share a pattern. Points past the fourth cycle.
 */
const finitePointDashes: (number[] | null)[] = [null, [2, 3], [10, 3, 2, 3], [10, 3, 2, 3, 2, 3]];
const limitPointDashes: number[][] = [[6, 4], [6, 4, 1, 4], [14, 5], [14, 4, 1, 4, 1, 4]];

/** The dash pattern of a model's `index`-th sweep point (0 the first); null for a solid line. */
export function pointDash(dashed: boolean, index: number): number[] | null {
  const list = dashed ? limitPointDashes : finitePointDashes;
  return list[((index % list.length) + list.length) % list.length];
}

/** A series' line dash: its own pattern where it has one (a sweep point), else [6, 4] for a dashed line, null for solid. */
export function lineDash(s: { dash: boolean; pattern?: number[] | null }): number[] | null {
  return s.pattern !== undefined ? s.pattern : s.dash ? [6, 4] : null;
}

/** A dash pattern as a CSS repeating gradient along x: `color` on the dashes, transparent in the gaps. */
export function dashGradient(color: string, pattern: readonly number[]): string {
  const stops: string[] = [];
  let at = 0;
  pattern.forEach((length, i) => {
    const paint = i % 2 === 0 ? color : 'transparent';
    stops.push(`${paint} ${at}px ${at + length}px`);
    at += length;
  });
  return `repeating-linear-gradient(90deg, ${stops.join(', ')})`;
}

/** Each model's sweep points ('' without a sweep) in order of first appearance. */
export function pointLayout(jobs: Iterable<{ model: string; point: string }>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const j of jobs) {
    const list = out.get(j.model) ?? [];
    if (!list.includes(j.point)) list.push(j.point);
    out.set(j.model, list);
  }
  return out;
}

export interface Theme {
  foreground: string;
  background: string;
  grid: string;
  fontFamily: string;
  key: string;
}

export function readTheme(): Theme {
  const css = getComputedStyle(document.body);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  const foreground = v('--vscode-editor-foreground', '#cccccc');
  const background = v('--vscode-editor-background', '#1e1e1e');
  const grid = v('--vscode-editorWidget-border', 'rgba(128,128,128,0.35)');
  const fontFamily = v('--vscode-font-family', 'sans-serif');
  return { foreground, background, grid, fontFamily, key: [foreground, background, grid, fontFamily].join('|') };
}

export function withAlpha(hex: string, alpha: number): string {
  const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return `rgba(${c[0]},${c[1]},${c[2]},${alpha})`;
}
