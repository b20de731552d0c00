/**
 * Grouped vertical bar charts as standalone SVG (no script, no external font or stylesheet), so GitHub shows them
 * inline. One figure holds one or more panels stacked under a shared title and legend; each panel has labelled
 * groups (e.g. concurrency 1, 16, 64) with one bar per series (e.g. per target) and the value above every bar.
 */

export interface ChartSeries {
  name: string;
  /** Fill colour; the palette's next colour when absent. */
  color?: string;
}

export interface ChartGroup {
  label: string;
  /** One value per series, in the series' order; a missing or non-finite value draws no bar and says n/a. */
  values: (number | undefined)[];
}

export interface ChartPanel {
  title: string;
  /** Label of the value axis, with its unit. */
  yLabel: string;
  /** Label under the group labels. */
  xLabel?: string;
  groups: ChartGroup[];
  /** `log` for values spanning several orders of magnitude (latencies at different concurrencies). */
  scale?: 'linear' | 'log';
  /** Text above each bar; a precision that suits the value's size by default. */
  format?: (value: number) => string;
}

export interface BarChart {
  title: string;
  subtitle?: string;
  series: ChartSeries[];
  panels: ChartPanel[];
  /** Total width in pixels (default 960). */
  width?: number;
}

/** Okabe–Ito colours, told apart with the common kinds of colour blindness. */
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#56B4E9', '#CC79A7', '#7f7f7f', '#000000'];
const FONT = 'Helvetica, Arial, sans-serif';
const MARGIN = { left: 78, right: 24 };
const PLOT_HEIGHT = 210;
const PANEL_TITLE = 26;
const PANEL_BOTTOM = 58;
const PANEL_GAP = 18;

/** The chart as an SVG document (with a white background, so it also reads on a dark page). */
export function renderBarChart(chart: BarChart): string {
  const width = chart.width ?? 960;
  const colors = chart.series.map((s, i) => s.color ?? PALETTE[i % PALETTE.length] ?? '#000');
  const out: string[] = [];
  let y = 30;
  out.push(text(MARGIN.left - 60, y, chart.title, 'font-size="18" font-weight="bold"'));
  if (chart.subtitle) {
    for (const line of chart.subtitle.split('\n')) {
      y += 18;
      out.push(text(MARGIN.left - 60, y, line, 'font-size="12" fill="#555"'));
    }
  }
  y += 16;
  y = legend(out, chart.series, colors, MARGIN.left - 60, y, width - MARGIN.right);
  for (const panel of chart.panels) {
    y += PANEL_GAP;
    y = drawPanel(out, panel, colors, y, width);
  }
  const height = Math.ceil(y + 10);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}" font-size="12">`,
    `<title>${escape(chart.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}

/** Swatches and names in columns of equal width, as many per row as fit before `right`; returns the y below. */
function legend(
  out: string[],
  series: ChartSeries[],
  colors: string[],
  left: number,
  top: number,
  right: number,
) {
  const itemWidth = Math.max(...series.map((s) => 18 + textWidth(s.name, 12) + 24));
  const perRow = Math.max(1, Math.floor((right - left) / itemWidth));
  series.forEach((s, i) => {
    const x = left + (i % perRow) * itemWidth;
    const y = top + Math.floor(i / perRow) * 20;
    out.push(`<rect x="${x.toFixed(1)}" y="${y}" width="12" height="12" rx="2" fill="${colors[i]}"/>`);
    out.push(text(x + 18, y + 10.5, s.name));
  });
  return top + Math.ceil(series.length / perRow) * 20 - 6;
}

function drawPanel(out: string[], panel: ChartPanel, colors: string[], top: number, width: number): number {
  const format = panel.format ?? defaultFormat;
  const plotTop = top + PANEL_TITLE;
  const plotBottom = plotTop + PLOT_HEIGHT;
  const plotLeft = MARGIN.left;
  const plotRight = width - MARGIN.right;
  const values = panel.groups.flatMap((g) => g.values).filter(isShown);
  const axis = panel.scale === 'log' ? logAxis(values) : linearAxis(values);
  const toY = (v: number) => plotBottom - axis.position(v) * PLOT_HEIGHT;

  out.push(text(plotLeft, top + 16, panel.title, 'font-size="14" font-weight="bold"'));
  for (const tick of axis.ticks) {
    const ty = toY(tick.value).toFixed(1);
    out.push(
      `<line x1="${plotLeft}" y1="${ty}" x2="${plotRight}" y2="${ty}" stroke="${tick.minor ? '#f0f0f0' : '#dddddd'}"/>`,
    );
    if (!tick.minor)
      out.push(text(plotLeft - 6, Number(ty) + 4, tick.label, 'text-anchor="end" fill="#444"'));
  }
  const middle = (plotTop + plotBottom) / 2;
  out.push(
    text(
      plotLeft - 58,
      middle,
      panel.yLabel,
      `text-anchor="middle" transform="rotate(-90 ${plotLeft - 58} ${middle})"`,
    ),
  );

  const groupWidth = (plotRight - plotLeft) / Math.max(1, panel.groups.length);
  const series = colors.length;
  const barWidth = Math.min(56, (groupWidth * 0.84) / Math.max(1, series));
  const valueFont = barWidth < 30 ? 9 : 10;
  panel.groups.forEach((group, g) => {
    const center = plotLeft + groupWidth * (g + 0.5);
    const start = center - (barWidth * series) / 2;
    for (let s = 0; s < series; s++) {
      const value = group.values[s];
      const x = start + s * barWidth;
      const labelX = (x + barWidth / 2).toFixed(1);
      if (!isShown(value)) {
        out.push(
          text(
            Number(labelX),
            plotBottom - 4,
            'n/a',
            `text-anchor="middle" font-size="${valueFont}" fill="#888"`,
          ),
        );
        continue;
      }
      const barTop = toY(value);
      const h = Math.max(1, plotBottom - barTop);
      out.push(
        `<rect x="${(x + 1).toFixed(1)}" y="${(plotBottom - h).toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${colors[s]}"><title>${escape(`${group.label}: ${format(value)}`)}</title></rect>`,
      );
      out.push(
        text(
          Number(labelX),
          plotBottom - h - 4,
          format(value),
          `text-anchor="middle" font-size="${valueFont}" fill="#222"`,
        ),
      );
    }
    out.push(text(center, plotBottom + 18, group.label, 'text-anchor="middle" font-size="13"'));
  });
  out.push(`<line x1="${plotLeft}" y1="${plotBottom}" x2="${plotRight}" y2="${plotBottom}" stroke="#333"/>`);
  out.push(`<line x1="${plotLeft}" y1="${plotTop}" x2="${plotLeft}" y2="${plotBottom}" stroke="#333"/>`);
  if (panel.xLabel)
    out.push(
      text((plotLeft + plotRight) / 2, plotBottom + 40, panel.xLabel, 'text-anchor="middle" fill="#444"'),
    );
  return plotBottom + (panel.xLabel ? PANEL_BOTTOM : PANEL_BOTTOM - 20);
}

interface Axis {
  /** 0 at the bottom of the plot, 1 at the top. */
  position(value: number): number;
  ticks: { value: number; label: string; minor?: boolean }[];
}

/** From 0 to a round number above the largest value, with 4 to 6 round steps and headroom for the labels. */
function linearAxis(values: number[]): Axis {
  const top = Math.max(...values, 0) * 1.12 || 1;
  const rough = top / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= rough) ?? 10) * magnitude;
  const max = Math.ceil(top / step) * step;
  const ticks = [];
  for (let v = 0; v <= max + step / 2; v += step) ticks.push({ value: v, label: defaultFormat(v) });
  return { position: (v) => v / max, ticks };
}

/** Whole decades around the values, with 2× and 5× grid lines; headroom above the largest for its label. */
function logAxis(values: number[]): Axis {
  const positive = values.filter((v) => v > 0);
  const low = Math.floor(Math.log10(Math.min(...positive, 1)));
  const high = Math.max(low + 1, Math.ceil(Math.log10(Math.max(...positive, 1) * 1.6)));
  const span = high - low;
  const ticks: Axis['ticks'] = [];
  for (let e = low; e <= high; e++) {
    ticks.push({ value: 10 ** e, label: defaultFormat(10 ** e) });
    if (e < high)
      ticks.push(
        { value: 2 * 10 ** e, label: '', minor: true },
        { value: 5 * 10 ** e, label: '', minor: true },
      );
  }
  return { position: (v) => (Math.log10(Math.max(v, 10 ** low)) - low) / span, ticks };
}

function isShown(value: number | undefined): value is number {
  return value !== undefined && Number.isFinite(value);
}

function defaultFormat(value: number): string {
  if (value === 0) return '0';
  if (value >= 1000) return Math.round(value).toLocaleString('en-US');
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1).replace(/\.0$/, '');
  if (value >= 1) return value.toFixed(2).replace(/\.?0+$/, '');
  return value.toPrecision(2).replace(/\.?0+$/, '');
}

/** Rough width of a Helvetica/Arial string, enough to lay out a legend. */
function textWidth(value: string, size: number): number {
  return value.length * size * 0.56;
}

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}"${attributes ? ` ${attributes}` : ''}>${escape(content)}</text>`;
}

function escape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
