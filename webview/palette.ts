/**
 * The charts' colours: a categorical palette with one hue per model, lighter shades for narrower
 * widths of a finite model, and the VS Code theme's colours (read from its CSS variables) for
 * axes, grid and text.
 */

// Categorical palette (Tableau 10): readable on the dark and the light VS Code themes.
const palette = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export function modelColor(index: number): string {
  return palette[((index % palette.length) + palette.length) % palette.length];
}

/**
 * One hue per model; within a finite model, narrower widths lighter and the widest at full
 * colour, so a sweep reads as approaching its (dashed) limit. `rank` in [0, 1], 1 the widest.
 */
export function shadeColor(hex: string, rank: number): string {
  const mix = 0.55 * (1 - Math.min(1, Math.max(0, rank)));
  const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  const toward = c.map((v) => Math.round(v + (200 - v) * mix));
  return `#${toward.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
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

/** A model's hue, shaded by where its width ranks among the model's widths (infinite models at full colour). */
export function colorFor(models: string[], widths: Map<string, number[]>, model: string, width: number | null): string {
  const base = modelColor(Math.max(0, models.indexOf(model)));
  if (width === null) return base;
  const list = widths.get(model) ?? [];
  const rank = list.length <= 1 ? 1 : list.indexOf(width) / (list.length - 1);
  return shadeColor(base, rank);
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
