/**
 * Hand-written inline SVG charts for the HTML report: bars, stacked bars and a line with points. Each
 * function returns one `<svg>` element as a string, complete with its colours (no stylesheet needed), a
 * `<title>` per bar or point for the browser's tooltip, and stable classes and data attributes
 * (`data-chart`, `rect.bar`, `g.stack`, `circle.point`) that tests and scripts can count. No JavaScript:
 * the charts draw in any browser, offline. Every string that goes in is escaped.
 */

export const COLORS = {
  primary: '#2563eb',
  passed: '#16a34a',
  failed: '#f59e0b',
  aborted: '#ea580c',
  timeout: '#b45309',
  apiError: '#7c3aed',
  interrupted: '#64748b',
  running: '#0ea5e9',
  skipped: '#dc2626',
  pending: '#cbd5e1',
  input: '#2563eb',
  output: '#f97316',
  denial: '#dc2626',
  tamper: '#9333ea',
  regression: '#e11d48',
  axis: '#94a3b8',
  grid: '#e2e8f0',
  text: '#334155',
} as const;

/** Escapes text for HTML element content and for attribute values (double or single quoted). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}
const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export interface ChartFrame {
  /** Stable id: `data-chart` and the ids of the title elements. Letters, digits and dashes. */
  id: string;
  title: string;
  /** What the y axis counts, e.g. "USD". */
  yLabel?: string;
  /** Formats axis ticks, and tooltip values unless `tooltipFormat` is given. */
  format?: (value: number) => string;
  /** Formats the values in tooltips (e.g. exact where the axis abbreviates); `format` by default. */
  tooltipFormat?: (value: number) => string;
  /** Counts: axis ticks are whole numbers. */
  integer?: boolean;
  width?: number;
  height?: number;
}

export interface Bar {
  /** Under the bar (shown for some bars when there are many) and in its tooltip. */
  label: string;
  value: number;
  color?: string;
  /** Tooltip; defaults to `label: value`. */
  title?: string;
}

export interface StackSegment {
  value: number;
  /** A key of the legend. */
  series: string;
}

export interface StackedBar {
  label: string;
  segments: StackSegment[];
}

export interface Series {
  key: string;
  label: string;
  color: string;
}

export interface Point {
  x: number;
  y: number;
  title?: string;
}

const MARGIN = { top: 38, right: 16, bottom: 46, left: 70 };
const MAX_X_LABELS = 16;

export function barChart(frame: ChartFrame & { bars: readonly Bar[] }): string {
  const g = geometry(frame);
  const format = frame.format ?? formatNumber;
  const tip = frame.tooltipFormat ?? format;
  const max = Math.max(0, ...frame.bars.map((b) => finite(b.value)));
  const axis = niceAxis(max, frame.integer);
  const slot = g.plotW / Math.max(1, frame.bars.length);
  const gap = gapFor(slot);
  const parts: string[] = [];
  frame.bars.forEach((bar, i) => {
    const value = finite(bar.value);
    const h = (value / axis.max) * g.plotH;
    const x = g.left + i * slot + gap / 2;
    const y = g.top + g.plotH - h;
    const title = bar.title ?? `${bar.label}: ${tip(value)}`;
    parts.push(
      `<rect class="bar" data-label="${escapeHtml(bar.label)}" data-value="${value}" x="${n(x)}" y="${n(y)}" width="${n(Math.max(0.5, slot - gap))}" height="${n(h)}" fill="${escapeHtml(bar.color ?? COLORS.primary)}"><title>${escapeHtml(title)}</title></rect>`,
    );
  });
  return svg(frame, g, axis, format, parts.join(''), xLabels(frame.bars, g, slot), frame.bars.length === 0);
}

export function stackedBarChart(
  frame: ChartFrame & { bars: readonly StackedBar[]; series: readonly Series[] },
): string {
  const g = geometry(frame);
  const format = frame.format ?? formatNumber;
  const tip = frame.tooltipFormat ?? format;
  const totals = frame.bars.map((b) => b.segments.reduce((sum, s) => sum + finite(s.value), 0));
  const axis = niceAxis(Math.max(0, ...totals), frame.integer);
  const slot = g.plotW / Math.max(1, frame.bars.length);
  const gap = gapFor(slot);
  const bySeries = new Map(frame.series.map((s) => [s.key, s]));
  const parts: string[] = [];
  frame.bars.forEach((bar, i) => {
    const x = g.left + i * slot + gap / 2;
    let base = g.top + g.plotH;
    const rects: string[] = [];
    for (const segment of bar.segments) {
      const value = finite(segment.value);
      if (value <= 0) continue;
      const h = (value / axis.max) * g.plotH;
      base -= h;
      const series = bySeries.get(segment.series);
      const title = `${bar.label} · ${series?.label ?? segment.series}: ${tip(value)}`;
      rects.push(
        `<rect class="bar segment" data-series="${escapeHtml(segment.series)}" data-value="${value}" x="${n(x)}" y="${n(base)}" width="${n(Math.max(0.5, slot - gap))}" height="${n(h)}" fill="${escapeHtml(series?.color ?? COLORS.primary)}"><title>${escapeHtml(title)}</title></rect>`,
      );
    }
    parts.push(
      `<g class="stack" data-label="${escapeHtml(bar.label)}" data-total="${totals[i] ?? 0}">${rects.join('')}</g>`,
    );
  });
  return svg(
    frame,
    g,
    axis,
    format,
    parts.join('') + legend(frame.series, g),
    xLabels(frame.bars, g, slot),
    frame.bars.length === 0,
  );
}

export function lineChart(
  frame: ChartFrame & {
    points: readonly Point[];
    /** The top of the y axis when known (e.g. the number of features); else from the data. */
    yMax?: number;
    xLabel?: string;
    color?: string;
  },
): string {
  const g = geometry(frame);
  const format = frame.format ?? formatNumber;
  const tip = frame.tooltipFormat ?? format;
  const ys = frame.points.map((p) => finite(p.y));
  const axis = niceAxis(Math.max(0, frame.yMax ?? 0, ...ys), frame.integer);
  const xs = frame.points.map((p) => finite(p.x));
  const minX = Math.min(...xs);
  const maxX = Math.max(...xs);
  const sx = (x: number) =>
    maxX === minX ? g.left + g.plotW / 2 : g.left + ((x - minX) / (maxX - minX)) * g.plotW;
  const sy = (y: number) => g.top + g.plotH - (y / axis.max) * g.plotH;
  const color = escapeHtml(frame.color ?? COLORS.passed);
  const parts: string[] = [];
  if (frame.yMax !== undefined && frame.yMax > 0) {
    const y = sy(frame.yMax);
    parts.push(
      `<line class="target" x1="${g.left}" x2="${g.left + g.plotW}" y1="${n(y)}" y2="${n(y)}" stroke="${COLORS.axis}" stroke-dasharray="4 4"><title>${escapeHtml(`total: ${format(frame.yMax)}`)}</title></line>`,
    );
  }
  if (frame.points.length > 1) {
    const d = frame.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${n(sx(finite(p.x)))} ${n(sy(finite(p.y)))}`);
    parts.push(`<path class="line" d="${d.join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`);
  }
  const r = frame.points.length > 200 ? 1.5 : 3;
  for (const p of frame.points) {
    const title = p.title ?? `${formatNumber(p.x)}: ${tip(finite(p.y))}`;
    parts.push(
      `<circle class="point" data-x="${finite(p.x)}" data-y="${finite(p.y)}" cx="${n(sx(finite(p.x)))}" cy="${n(sy(finite(p.y)))}" r="${r}" fill="${color}"><title>${escapeHtml(title)}</title></circle>`,
    );
  }
  const labels: string[] = [];
  if (frame.points.length > 0) {
    const ticks = niceAxis(maxX - minX, true).ticks.map((t) => t + minX);
    for (const t of maxX === minX ? [minX] : ticks.filter((t) => t <= maxX)) {
      labels.push(
        `<text x="${n(sx(t))}" y="${g.top + g.plotH + 16}" text-anchor="middle">${escapeHtml(formatNumber(t))}</text>`,
      );
    }
  }
  if (frame.xLabel) {
    labels.push(
      `<text x="${g.left + g.plotW / 2}" y="${g.height - 6}" text-anchor="middle" class="axis-label">${escapeHtml(frame.xLabel)}</text>`,
    );
  }
  return svg(frame, g, axis, format, parts.join(''), labels.join(''), frame.points.length === 0);
}

// ---------------------------------------------------------------------------------------------------------

interface Geometry {
  width: number;
  height: number;
  left: number;
  top: number;
  plotW: number;
  plotH: number;
}

function geometry(frame: ChartFrame): Geometry {
  const width = frame.width ?? 960;
  const height = frame.height ?? 260;
  return {
    width,
    height,
    left: MARGIN.left,
    top: MARGIN.top,
    plotW: width - MARGIN.left - MARGIN.right,
    plotH: height - MARGIN.top - MARGIN.bottom,
  };
}

interface Axis {
  max: number;
  ticks: number[];
}

/** A round top for the axis and 3–6 ticks at 1, 2 or 5 times a power of ten (whole numbers if `integer`). */
export function niceAxis(max: number, integer = false): Axis {
  if (!(max > 0) || !Number.isFinite(max)) return { max: 1, ticks: [0, 1] };
  const rough = max / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  const nice = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  const step = integer ? Math.max(1, nice) : nice;
  const top = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let t = 0; t <= top + step / 2; t += step) ticks.push(Number(t.toPrecision(12)));
  return { max: top, ticks };
}

function svg(
  frame: ChartFrame,
  g: Geometry,
  axis: Axis,
  format: (value: number) => string,
  body: string,
  xLabelsSvg: string,
  empty: boolean,
): string {
  const id = escapeHtml(frame.id);
  const grid = axis.ticks
    .map((t) => {
      const y = g.top + g.plotH - (t / axis.max) * g.plotH;
      return (
        `<line x1="${g.left}" x2="${g.left + g.plotW}" y1="${n(y)}" y2="${n(y)}" stroke="${COLORS.grid}"/>` +
        `<text x="${g.left - 6}" y="${n(y + 4)}" text-anchor="end">${escapeHtml(format(t))}</text>`
      );
    })
    .join('');
  const yLabel = frame.yLabel
    ? `<text class="axis-label" transform="translate(14 ${g.top + g.plotH / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(frame.yLabel)}</text>`
    : '';
  const emptyNote = empty
    ? `<text class="empty" x="${g.left + g.plotW / 2}" y="${g.top + g.plotH / 2}" text-anchor="middle" font-size="14">No data yet</text>`
    : '';
  return (
    `<svg class="chart" data-chart="${id}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${g.width} ${g.height}" ` +
    `width="100%" preserveAspectRatio="xMidYMid meet" role="img" aria-labelledby="${id}-title" ` +
    `font-family="system-ui, sans-serif" font-size="13" fill="${COLORS.text}">` +
    `<title id="${id}-title">${escapeHtml(frame.title)}</title>` +
    `<text x="${g.left}" y="20" font-size="16" font-weight="600">${escapeHtml(frame.title)}</text>` +
    grid +
    `<line x1="${g.left}" x2="${g.left + g.plotW}" y1="${g.top + g.plotH}" y2="${g.top + g.plotH}" stroke="${COLORS.axis}"/>` +
    `<line x1="${g.left}" x2="${g.left}" y1="${g.top}" y2="${g.top + g.plotH}" stroke="${COLORS.axis}"/>` +
    yLabel +
    body +
    xLabelsSvg +
    emptyNote +
    '</svg>'
  );
}

/** Space between bars; none when bars are thinner than a few pixels (a gap would only blur them). */
function gapFor(slot: number): number {
  return slot < 4 ? 0 : Math.min(4, slot * 0.2);
}

function xLabels(bars: readonly { label: string }[], g: Geometry, slot: number): string {
  if (bars.length === 0) return '';
  const every = Math.ceil(bars.length / MAX_X_LABELS);
  // About 7.5 units a character at font size 13: labels never run into each other.
  const chars = Math.max(3, Math.floor((slot * every) / 7.5) - 1);
  const out: string[] = [];
  bars.forEach((bar, i) => {
    if (i % every !== 0) return;
    const x = g.left + i * slot + slot / 2;
    const label = bar.label.length > chars ? `${bar.label.slice(0, chars - 1)}…` : bar.label;
    out.push(
      `<text x="${n(x)}" y="${g.top + g.plotH + 16}" text-anchor="middle">${escapeHtml(label)}</text>`,
    );
  });
  return out.join('');
}

function legend(series: readonly Series[], g: Geometry): string {
  let x = g.left + g.plotW;
  const items: string[] = [];
  for (const s of [...series].reverse()) {
    const w = 22 + s.label.length * 7.5;
    x -= w;
    items.push(
      `<g class="legend-item"><rect x="${n(x)}" y="10" width="11" height="11" fill="${escapeHtml(s.color)}"/>` +
        `<text x="${n(x + 15)}" y="20">${escapeHtml(s.label)}</text></g>`,
    );
  }
  return `<g class="legend">${items.join('')}</g>`;
}

function finite(value: number): number {
  return Number.isFinite(value) ? value : 0;
}

function n(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

/** `950`, `1.2k`, `3.4M`, `0.25`. */
export function formatNumber(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${trim(value / 1e6)}M`;
  if (abs >= 1e4) return `${trim(value / 1e3)}k`;
  if (Number.isInteger(value)) return String(value);
  return trim(value);
}

function trim(value: number): string {
  return String(Number(value.toPrecision(3)));
}
