import { describe, expect, it } from 'vitest';
import {
  barChart,
  escapeHtml,
  formatNumber,
  lineChart,
  niceAxis,
  stackedBarChart,
} from '../../src/report/charts.js';

const count = (text: string, pattern: RegExp) => text.match(pattern)?.length ?? 0;

describe('charts', () => {
  it('draws one bar per value, scaled to the axis, with a tooltip each', () => {
    const svg = barChart({
      id: 'c',
      title: 'Cost',
      bars: [
        { label: 'a', value: 1 },
        { label: 'b', value: 2 },
        { label: 'c', value: 4 },
      ],
      height: 240,
    });
    expect(svg).toMatch(/^<svg class="chart" data-chart="c"/);
    expect(count(svg, /<rect class="bar"/g)).toBe(3);
    expect(svg).toContain('<title>c: 4</title>');
    // The tallest bar reaches the top of the plot (axis max 4): plot height 240 - 38 - 46 = 156.
    expect(svg).toMatch(/data-value="4" [^>]*height="156"/);
    expect(svg).toMatch(/data-value="1" [^>]*height="39"/);
  });

  it('can show exact values in tooltips while the axis abbreviates', () => {
    const tokens = (value: number) => value.toLocaleString('en-US');
    const stacked = stackedBarChart({
      id: 't',
      title: 'Tokens',
      tooltipFormat: tokens,
      series: [{ key: 'in', label: 'input', color: '#000001' }],
      bars: [{ label: 'F001', segments: [{ series: 'in', value: 1_234_567 }] }],
    });
    expect(stacked).toContain('<title>F001 · input: 1,234,567</title>');
    expect(stacked).toContain('>1.5M</text>');
    const bars = barChart({
      id: 'b',
      title: 'B',
      tooltipFormat: tokens,
      bars: [{ label: 'a', value: 12_345 }],
    });
    expect(bars).toContain('<title>a: 12,345</title>');
    expect(bars).toContain('>15k</text>');
  });

  it('stacks segments and skips empty ones', () => {
    const svg = stackedBarChart({
      id: 's',
      title: 'Tokens',
      series: [
        { key: 'in', label: 'input', color: '#000001' },
        { key: 'out', label: 'output', color: '#000002' },
      ],
      bars: [
        {
          label: 'x',
          segments: [
            { series: 'in', value: 3 },
            { series: 'out', value: 1 },
          ],
        },
        {
          label: 'y',
          segments: [
            { series: 'in', value: 0 },
            { series: 'out', value: 2 },
          ],
        },
      ],
    });
    expect(count(svg, /<g class="stack"/g)).toBe(2);
    expect(count(svg, /<rect class="bar segment"/g)).toBe(3);
    expect(svg).toContain('data-total="4"');
    expect(svg).toContain('<title>x · input: 3</title>');
    expect(count(svg, /class="legend-item"/g)).toBe(2);
  });

  it('draws a line through the points, and a single point without a line', () => {
    const svg = lineChart({
      id: 'l',
      title: 'Passing',
      yMax: 10,
      points: [
        { x: 1, y: 0 },
        { x: 2, y: 3 },
        { x: 3, y: 5 },
      ],
    });
    expect(count(svg, /<circle class="point"/g)).toBe(3);
    expect(count(svg, /<path class="line"/g)).toBe(1);
    expect(count(svg, /<line class="target"/g)).toBe(1);
    const one = lineChart({ id: 'o', title: 'One', points: [{ x: 5, y: 1 }] });
    expect(count(one, /<circle class="point"/g)).toBe(1);
    expect(count(one, /<path class="line"/g)).toBe(0);
  });

  it('says "No data yet" for an empty chart', () => {
    expect(barChart({ id: 'e', title: 'E', bars: [] })).toContain('No data yet');
    expect(lineChart({ id: 'e', title: 'E', points: [] })).toContain('No data yet');
  });

  it('escapes every label, title and colour', () => {
    const svg = barChart({
      id: 'x',
      title: '<b>"t"</b>',
      bars: [{ label: `<script>'`, value: 1, color: '"/><script>', title: '&<>' }],
    });
    expect(svg).not.toContain('<script');
    expect(svg).not.toContain('<b>');
    expect(svg).toContain('&lt;b&gt;&quot;t&quot;&lt;/b&gt;');
    expect(svg).toContain('<title>&amp;&lt;&gt;</title>');
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });

  it('treats NaN and Infinity as 0', () => {
    const svg = barChart({
      id: 'n',
      title: 'N',
      bars: [
        { label: 'a', value: Number.NaN },
        { label: 'b', value: 2 },
      ],
    });
    expect(svg).not.toMatch(/NaN|Infinity/);
  });
});

describe('niceAxis', () => {
  it('rounds the top up to 1, 2 or 5 times a power of ten', () => {
    expect(niceAxis(0)).toEqual({ max: 1, ticks: [0, 1] });
    expect(niceAxis(7)).toEqual({ max: 8, ticks: [0, 2, 4, 6, 8] });
    expect(niceAxis(0.34).max).toBeCloseTo(0.4);
    expect(niceAxis(1234).max).toBe(1500);
    expect(niceAxis(2, true).ticks).toEqual([0, 1, 2]);
  });

  it('formats numbers compactly', () => {
    expect(formatNumber(950)).toBe('950');
    expect(formatNumber(12_345)).toBe('12.3k');
    expect(formatNumber(3_400_000)).toBe('3.4M');
    expect(formatNumber(0.25)).toBe('0.25');
  });
});
