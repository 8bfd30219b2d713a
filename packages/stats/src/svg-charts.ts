/**
 * Small, dependency-free SVG chart helpers for the HTML report: grouped bars with error bars,
 * lines/scatter (with optional bands and a y = x diagonal) and a horizontal dot plot. Output is a
 * standalone <svg> string with text in the page's font and a colour-blind-safe palette
 * (Okabe & Ito 2008).
 */

import { hashString } from './rng.ts';

export const PALETTE = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#CC79A7',
  '#56B4E9',
  '#D55E00',
  '#F0E442',
  '#000000',
];
export const HONEST_COLOUR = '#0072B2';
export const DISHONEST_COLOUR = '#D55E00';
export const NEUTRAL_COLOUR = '#7f7f7f';

/** Escape text for XML/HTML. */
export function escapeXml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function n2(x: number): string {
  return (Math.round(x * 100) / 100).toString();
}

export interface Margins {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

interface Frame {
  width: number;
  height: number;
  m: Margins;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

function frame(width: number, height: number, m: Margins): Frame {
  return { width, height, m, x0: m.left, x1: width - m.right, y0: height - m.bottom, y1: m.top };
}

/** "Nice" tick values covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const span = max - min;
  const step0 = span / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const err = step0 / mag;
  const step = (err >= 7.5 ? 10 : err >= 3.5 ? 5 : err >= 1.5 ? 2 : 1) * mag;
  const out: number[] = [];
  for (let v = Math.ceil(min / step - 1e-9) * step; v <= max + step * 1e-9; v += step) {
    const r = Number((Math.round(v / step) * step).toPrecision(12)); // 0.6, not 0.6000000000000001
    out.push(r === 0 ? 0 : r); // never −0
  }
  return out;
}

function svgOpen(f: Frame, title: string, description: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${f.width} ${f.height}" width="${f.width}" height="${f.height}" role="img" aria-label="${escapeXml(title)}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif" font-size="13"><title>${escapeXml(title)}</title><desc>${escapeXml(description)}</desc>`;
}

function yAxis(
  f: Frame,
  ticks: number[],
  scale: (v: number) => number,
  fmt: (v: number) => string,
  label: string,
): string {
  let s = '';
  for (const t of ticks) {
    const y = scale(t);
    s += `<line x1="${f.x0}" x2="${f.x1}" y1="${n2(y)}" y2="${n2(y)}" stroke="#e3e3e3"/>`;
    s += `<text x="${f.x0 - 8}" y="${n2(y)}" text-anchor="end" dominant-baseline="middle" fill="#333">${escapeXml(fmt(t))}</text>`;
  }
  s += `<line x1="${f.x0}" x2="${f.x0}" y1="${f.y0}" y2="${f.y1}" stroke="#444"/>`;
  const cy = (f.y0 + f.y1) / 2;
  s += `<text transform="translate(${f.m.left - 48},${n2(cy)}) rotate(-90)" text-anchor="middle" fill="#222" font-size="13">${escapeXml(label)}</text>`;
  return s;
}

function xAxisNumeric(
  f: Frame,
  ticks: number[],
  scale: (v: number) => number,
  fmt: (v: number) => string,
  label: string,
  grid: boolean,
): string {
  let s = `<line x1="${f.x0}" x2="${f.x1}" y1="${f.y0}" y2="${f.y0}" stroke="#444"/>`;
  for (const t of ticks) {
    const x = scale(t);
    if (grid) s += `<line x1="${n2(x)}" x2="${n2(x)}" y1="${f.y0}" y2="${f.y1}" stroke="#efefef"/>`;
    s += `<line x1="${n2(x)}" x2="${n2(x)}" y1="${f.y0}" y2="${f.y0 + 5}" stroke="#444"/>`;
    s += `<text x="${n2(x)}" y="${f.y0 + 19}" text-anchor="middle" fill="#333">${escapeXml(fmt(t))}</text>`;
  }
  s += `<text x="${n2((f.x0 + f.x1) / 2)}" y="${f.height - 8}" text-anchor="middle" fill="#222">${escapeXml(label)}</text>`;
  return s;
}

type LegendItem = { name: string; color: string; shape?: 'rect' | 'line' | 'dot' | 'whisker' };

const LEGEND_ROW = 20;

function legendWidth(it: LegendItem): number {
  return 24 + it.name.length * 7 + 20;
}

/** Number of rows a legend needs within maxWidth. */
function legendRows(items: LegendItem[], maxWidth: number): number {
  let rows = items.length > 0 ? 1 : 0;
  let w = 0;
  for (const it of items) {
    const iw = legendWidth(it);
    if (w > 0 && w + iw > maxWidth) {
      rows++;
      w = 0;
    }
    w += iw;
  }
  return rows;
}

function legend(items: LegendItem[], x: number, y: number, maxWidth: number): string {
  let s = '';
  let cx = x;
  let cy = y;
  for (const it of items) {
    const iw = legendWidth(it);
    if (cx > x && cx - x + iw > maxWidth) {
      cx = x;
      cy += LEGEND_ROW;
    }
    if (it.shape === 'line')
      s += `<line x1="${cx}" x2="${cx + 18}" y1="${cy}" y2="${cy}" stroke="${it.color}" stroke-width="3"/>`;
    else if (it.shape === 'dot') s += `<circle cx="${cx + 9}" cy="${cy}" r="5" fill="${it.color}"/>`;
    else if (it.shape === 'whisker')
      s += `<line x1="${cx + 9}" x2="${cx + 9}" y1="${cy - 7}" y2="${cy + 7}" stroke="${it.color}" stroke-width="2"/><line x1="${cx + 4}" x2="${cx + 14}" y1="${cy - 7}" y2="${cy - 7}" stroke="${it.color}" stroke-width="2"/><line x1="${cx + 4}" x2="${cx + 14}" y1="${cy + 7}" y2="${cy + 7}" stroke="${it.color}" stroke-width="2"/>`;
    else s += `<rect x="${cx}" y="${cy - 6}" width="18" height="12" fill="${it.color}" rx="2"/>`;
    s += `<text x="${cx + 24}" y="${cy}" dominant-baseline="middle" fill="#222">${escapeXml(it.name)}</text>`;
    cx += iw;
  }
  return s;
}

/** Category label under a bar group, broken onto two lines at '-', ' ' or '[' when too wide. */
function categoryLabel(text: string, x: number, y: number, band: number): string {
  const fits = (t: string) => t.length * 7 <= band - 4;
  if (fits(text))
    return `<text x="${n2(x)}" y="${y}" text-anchor="middle" fill="#222">${escapeXml(text)}</text>`;
  let best = -1;
  for (let i = 1; i < text.length - 1; i++) {
    const c = text[i]!;
    if (c === '-' || c === ' ' || c === '[') {
      if (best < 0 || Math.abs(i - text.length / 2) < Math.abs(best - text.length / 2)) best = i;
    }
  }
  if (best < 0)
    return `<text x="${n2(x)}" y="${y}" text-anchor="middle" fill="#222" font-size="11">${escapeXml(text)}</text>`;
  const cut = text[best] === '-' ? best + 1 : best;
  const a = text.slice(0, cut).trim();
  const b = text.slice(cut).trim();
  const size = fits(a) && fits(b) ? 13 : 11;
  return `<text x="${n2(x)}" y="${y}" text-anchor="middle" fill="#222" font-size="${size}"><tspan x="${n2(x)}">${escapeXml(a)}</tspan><tspan x="${n2(x)}" dy="1.15em">${escapeXml(b)}</tspan></text>`;
}

export interface BarSeries {
  name: string;
  color: string;
  values: (number | null)[];
  lower?: (number | null)[];
  upper?: (number | null)[];
  /** A second interval drawn beside the first (e.g. a cluster-bootstrap interval). */
  secondary?: { name: string; color: string; lower: (number | null)[]; upper: (number | null)[] };
  /** Legend label of the first interval's whisker. */
  intervalName?: string;
}

export interface BarChartOptions {
  title: string;
  description?: string;
  categories: string[];
  series: BarSeries[];
  yLabel: string;
  yDomain?: [number, number];
  yFormat?: (v: number) => string;
  /** Dashed horizontal reference line (e.g. chance at 0.5). */
  referenceLine?: { value: number; label: string };
  /** Value labels above the bars. */
  valueFormat?: (v: number) => string;
  width?: number;
  height?: number;
}

/** Grouped vertical bars with error bars. */
export function barChart(o: BarChartOptions): string {
  const width = o.width ?? 520;
  const height = o.height ?? 360;
  const items: LegendItem[] = [];
  if (o.series.length > 1) for (const x of o.series) items.push({ name: x.name, color: x.color });
  for (const x of o.series) {
    if (x.intervalName) items.push({ name: x.intervalName, color: '#111', shape: 'whisker' });
    if (x.secondary) items.push({ name: x.secondary.name, color: x.secondary.color, shape: 'whisker' });
  }
  const legendH = legendRows(items, width - 90) * LEGEND_ROW;
  const f = frame(width, height, { top: 22 + legendH, right: 16, bottom: 48, left: 70 });
  const [lo, hi] = o.yDomain ?? [0, 1];
  const fmt = o.yFormat ?? ((v: number) => `${Math.round(v * 100)}%`);
  const y = (v: number) => f.y0 - ((v - lo) / (hi - lo)) * (f.y0 - f.y1);
  let s = svgOpen(f, o.title, o.description ?? o.title);
  s += yAxis(f, niceTicks(lo, hi), y, fmt, o.yLabel);
  const band = (f.x1 - f.x0) / Math.max(1, o.categories.length);
  const barW = Math.min(64, (band * 0.7) / o.series.length);
  const whisker = (x: number, l: number, u: number, color: string, dashed = false) => {
    const dash = dashed ? ' stroke-dasharray="3 2"' : '';
    return (
      `<line x1="${n2(x)}" x2="${n2(x)}" y1="${n2(y(l))}" y2="${n2(y(u))}" stroke="${color}" stroke-width="1.8"${dash}/>` +
      `<line x1="${n2(x - 5)}" x2="${n2(x + 5)}" y1="${n2(y(l))}" y2="${n2(y(l))}" stroke="${color}" stroke-width="1.8"/>` +
      `<line x1="${n2(x - 5)}" x2="${n2(x + 5)}" y1="${n2(y(u))}" y2="${n2(y(u))}" stroke="${color}" stroke-width="1.8"/>`
    );
  };
  o.categories.forEach((cat, ci) => {
    const cx = f.x0 + band * (ci + 0.5);
    o.series.forEach((ser, si) => {
      const v = ser.values[ci];
      if (v === null || v === undefined) return;
      const x = cx - (barW * o.series.length) / 2 + si * barW;
      s += `<rect x="${n2(x + 3)}" y="${n2(y(v))}" width="${n2(barW - 6)}" height="${n2(Math.max(0, y(lo) - y(v)))}" fill="${ser.color}" opacity="0.9"><title>${escapeXml(`${ser.name} · ${cat}: ${fmt(v)}`)}</title></rect>`;
      const l = ser.lower?.[ci];
      const u = ser.upper?.[ci];
      const mid = x + barW / 2;
      let top = v;
      const l2 = ser.secondary?.lower[ci];
      const u2 = ser.secondary?.upper[ci];
      const hasSecondary = l2 !== null && l2 !== undefined && u2 !== null && u2 !== undefined;
      if (l !== null && l !== undefined && u !== null && u !== undefined) {
        s += whisker(hasSecondary ? mid - 7 : mid, l, u, '#111');
        top = Math.max(top, u);
      }
      if (hasSecondary) {
        s += whisker(mid + 7, l2, u2, ser.secondary!.color);
        top = Math.max(top, u2);
      }
      if (o.valueFormat) {
        s += `<text x="${n2(mid)}" y="${n2(y(top) - 7)}" text-anchor="middle" fill="#222" font-size="12">${escapeXml(o.valueFormat(v))}</text>`;
      }
    });
    s += categoryLabel(cat, cx, f.y0 + 20, band);
  });
  s += `<line x1="${f.x0}" x2="${f.x1}" y1="${f.y0}" y2="${f.y0}" stroke="#444"/>`;
  if (o.referenceLine) {
    const ry = y(o.referenceLine.value);
    s += `<line x1="${f.x0}" x2="${f.x1}" y1="${n2(ry)}" y2="${n2(ry)}" stroke="#555" stroke-dasharray="6 4"/>`;
    s += `<text x="${f.x1 - 2}" y="${n2(ry - 5)}" text-anchor="end" fill="#333" font-size="12" paint-order="stroke" stroke="#fff" stroke-width="4">${escapeXml(o.referenceLine.label)}</text>`;
  }
  s += legend(items, f.x0, 14, width - 90);
  return `${s}</svg>`;
}

export interface LinePoint {
  x: number;
  y: number;
  lower?: number;
  upper?: number;
  /** Marker area weight (e.g. bin count); markers scale with √size. */
  size?: number;
  tooltip?: string;
}

export interface LineSeries {
  name: string;
  color: string;
  points: LinePoint[];
  dashed?: boolean;
}

export interface LineChartOptions {
  title: string;
  description?: string;
  series: LineSeries[];
  xLabel: string;
  yLabel: string;
  xDomain: [number, number];
  yDomain: [number, number];
  xFormat?: (v: number) => string;
  yFormat?: (v: number) => string;
  xTicks?: number[];
  /** Draw y = x (perfect calibration). */
  diagonal?: boolean;
  referenceLine?: { value: number; label: string };
  /** Draw markers (sized by point.size when given). */
  markers?: boolean;
  width?: number;
  height?: number;
}

/** Lines with optional shaded bands, markers and a diagonal — for reliability diagrams and belief curves. */
export function lineChart(o: LineChartOptions): string {
  const width = o.width ?? 520;
  const height = o.height ?? 370;
  const items: LegendItem[] = o.series.map((ser) => ({
    name: ser.name,
    color: ser.color,
    shape: 'line' as const,
  }));
  const legendH = legendRows(items, width - 90) * LEGEND_ROW;
  const f = frame(width, height, { top: 22 + legendH, right: 20, bottom: 52, left: 70 });
  const [xl, xh] = o.xDomain;
  const [yl, yh] = o.yDomain;
  const x = (v: number) => f.x0 + ((v - xl) / (xh - xl)) * (f.x1 - f.x0);
  const y = (v: number) => f.y0 - ((v - yl) / (yh - yl)) * (f.y0 - f.y1);
  const xf = o.xFormat ?? ((v: number) => String(v));
  const yf = o.yFormat ?? ((v: number) => String(v));
  let s = svgOpen(f, o.title, o.description ?? o.title);
  s += yAxis(f, niceTicks(yl, yh), y, yf, o.yLabel);
  s += xAxisNumeric(f, o.xTicks ?? niceTicks(xl, xh), x, xf, o.xLabel, true);
  if (o.diagonal) {
    const d0 = Math.max(xl, yl);
    const d1 = Math.min(xh, yh);
    s += `<line x1="${n2(x(d0))}" y1="${n2(y(d0))}" x2="${n2(x(d1))}" y2="${n2(y(d1))}" stroke="#888" stroke-dasharray="5 4"/>`;
    s += `<text x="${n2(x(d1) - 6)}" y="${n2(y(d1) + 16)}" text-anchor="end" fill="#777" font-size="12">perfect calibration</text>`;
  }
  if (o.referenceLine) {
    const ry = y(o.referenceLine.value);
    s += `<line x1="${f.x0}" x2="${f.x1}" y1="${n2(ry)}" y2="${n2(ry)}" stroke="#555" stroke-dasharray="6 4"/>`;
    s += `<text x="${f.x1 - 4}" y="${n2(ry - 6)}" text-anchor="end" fill="#555" font-size="12">${escapeXml(o.referenceLine.label)}</text>`;
  }
  const maxSize = Math.max(1, ...o.series.flatMap((ser) => ser.points.map((p) => p.size ?? 0)));
  // keep lines and bands inside the plot area
  // deterministic id: equal ids only ever name equal rectangles
  const clipId = `plot-clip-${hashString(`${f.x0},${f.y1},${f.x1},${f.y0}`).toString(36)}`;
  s += `<clipPath id="${clipId}"><rect x="${f.x0}" y="${f.y1 - 8}" width="${f.x1 - f.x0 + 8}" height="${f.y0 - f.y1 + 16}"/></clipPath><g clip-path="url(#${clipId})">`;
  for (const ser of o.series) {
    const pts = ser.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    const banded = pts.filter((p) => p.lower !== undefined && p.upper !== undefined);
    if (banded.length > 1) {
      const upper = banded.map((p) => `${n2(x(p.x))},${n2(y(p.upper!))}`);
      const lower = banded.map((p) => `${n2(x(p.x))},${n2(y(p.lower!))}`).reverse();
      s += `<polygon points="${[...upper, ...lower].join(' ')}" fill="${ser.color}" opacity="0.15"/>`;
    }
    if (pts.length > 1) {
      s += `<polyline points="${pts.map((p) => `${n2(x(p.x))},${n2(y(p.y))}`).join(' ')}" fill="none" stroke="${ser.color}" stroke-width="2.5"${ser.dashed ? ' stroke-dasharray="7 4"' : ''}/>`;
    }
    if (o.markers ?? true) {
      for (const p of pts) {
        const r = p.size !== undefined ? 3 + 7 * Math.sqrt(p.size / maxSize) : 4;
        s += `<circle cx="${n2(x(p.x))}" cy="${n2(y(p.y))}" r="${n2(r)}" fill="${ser.color}" fill-opacity="0.85" stroke="#fff" stroke-width="1"><title>${escapeXml(p.tooltip ?? `${ser.name}: (${xf(p.x)}, ${yf(p.y)})`)}</title></circle>`;
      }
    }
  }
  s += '</g>';
  s += legend(items, f.x0, 14, width - 90);
  return `${s}</svg>`;
}

export interface DotRow {
  label: string;
  points: { name: string; color: string; value: number; lower?: number; upper?: number }[];
}

/** Horizontal dot plot with whiskers, one row per label (e.g. arguer ratings). */
export function dotPlot(o: {
  title: string;
  description?: string;
  rows: DotRow[];
  xLabel: string;
  legend: { name: string; color: string }[];
  referenceLine?: { value: number; label: string };
  width?: number;
}): string {
  const width = o.width ?? 520;
  const rowH = 22;
  const labelW = Math.min(240, 20 + Math.max(40, ...o.rows.map((r) => r.label.length * 7.4)));
  const height = 110 + o.rows.length * rowH + 20;
  const legendH =
    legendRows(
      o.legend.map((l) => ({ ...l, shape: 'dot' as const })),
      width - 32,
    ) * LEGEND_ROW;
  const f = frame(width, height, { top: 24 + legendH, right: 24, bottom: 52, left: labelW });
  const values = o.rows.flatMap((r) =>
    r.points.flatMap((p) => [p.lower ?? p.value, p.upper ?? p.value, p.value]),
  );
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (!(hi > lo)) {
    lo -= 1;
    hi += 1;
  }
  const pad = (hi - lo) * 0.05;
  const ticks = niceTicks(lo - pad, hi + pad, 6);
  const xl = Math.min(lo - pad, ticks[0]!);
  const xh = Math.max(hi + pad, ticks[ticks.length - 1]!);
  const x = (v: number) => f.x0 + ((v - xl) / (xh - xl)) * (f.x1 - f.x0);
  let s = svgOpen(f, o.title, o.description ?? o.title);
  s += xAxisNumeric(f, ticks, x, (v) => String(Math.round(v)), o.xLabel, true);
  if (o.referenceLine) {
    const rx = x(o.referenceLine.value);
    s += `<line x1="${n2(rx)}" x2="${n2(rx)}" y1="${f.y0}" y2="${f.y1}" stroke="#555" stroke-dasharray="6 4"/>`;
  }
  o.rows.forEach((row, i) => {
    const cy = f.y1 + rowH * (i + 0.5);
    if (i % 2 === 0)
      s += `<rect x="${f.x0}" y="${n2(cy - rowH / 2)}" width="${n2(f.x1 - f.x0)}" height="${rowH}" fill="#f6f6f6"/>`;
    s += `<text x="${f.x0 - 8}" y="${n2(cy)}" text-anchor="end" dominant-baseline="middle" fill="#222">${escapeXml(row.label)}</text>`;
    row.points.forEach((p, k) => {
      const dy = (k - (row.points.length - 1) / 2) * 5;
      if (p.lower !== undefined && p.upper !== undefined) {
        s += `<line x1="${n2(x(p.lower))}" x2="${n2(x(p.upper))}" y1="${n2(cy + dy)}" y2="${n2(cy + dy)}" stroke="${p.color}" stroke-width="1.6" opacity="0.7"/>`;
      }
      s += `<circle cx="${n2(x(p.value))}" cy="${n2(cy + dy)}" r="5" fill="${p.color}"><title>${escapeXml(`${row.label} (${p.name}): ${Math.round(p.value)}`)}</title></circle>`;
    });
  });
  s += legend(
    o.legend.map((l) => ({ ...l, shape: 'dot' as const })),
    16,
    16,
    width - 32,
  );
  return `${s}</svg>`;
}
