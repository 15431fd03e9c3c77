/** How the panels print figures and name metrics and models (legends, tables, tooltips, exports). */
import type { MetricName } from './protocol';

export const metricLabels: Record<MetricName, string> = {
  trainLoss: 'Train loss',
  testLoss: 'Test loss',
  testAccuracy: 'Test accuracy',
  rmseToLimit: 'Gap to the limit (test RMSE)',
};

/** "sgd w64", "ntk (∞)", "adam lr=0.01 w512": the legend label of one model at one width (and sweep point). */
export function groupLabel(model: string, width: number | null, point = ''): string {
  const name = point ? `${model} ${point}` : model;
  return width === null ? `${name} (∞)` : `${name} w${width}`;
}

/** A figure as the panels print it: 4 significant digits, exponent form for the very small or large. */
export function formatValue(v: number | null | undefined, percent = false): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (percent) return `${(v * 100).toFixed(1)}%`;
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return Number(v.toPrecision(4)).toString();
}

/** An x value as the panels print it: its category's name on a categorical axis (ChartModel.categories), else the number. */
export function xValueText(m: { categories?: string[] }, v: number): string {
  if (m.categories) return Number.isInteger(v) && v >= 0 && v < m.categories.length ? m.categories[v] : '';
  return formatValue(v);
}
