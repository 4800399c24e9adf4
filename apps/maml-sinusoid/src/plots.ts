import { writeFileSync } from 'node:fs';
import * as vega from 'vega';

/** One named series of a chart: a line, or points drawn as dots. */
export interface Series {
  name: string;
  kind: 'line' | 'points';
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

/** A chart panel: its title and series. Several panels are drawn side by side with one legend. */
export interface Panel {
  title: string;
  series: Series[];
}

const PANEL_WIDTH = 260;
const PANEL_HEIGHT = 200;

/** Builds a Vega specification: one facet per panel, colour by series, shared axis titles. */
function specOf(panels: Panel[], xTitle: string, yTitle: string): vega.Spec {
  const rows: {
    panel: string;
    panelIndex: number;
    series: string;
    kind: string;
    x: number;
    y: number;
    order: number;
  }[] = [];
  for (const [panelIndex, panel] of panels.entries()) {
    for (const s of panel.series) {
      for (let i = 0; i < s.x.length; i++) {
        rows.push({
          panel: panel.title,
          panelIndex,
          series: s.name,
          kind: s.kind,
          x: s.x[i],
          y: s.y[i],
          order: i,
        });
      }
    }
  }
  const seriesNames = [...new Set(panels.flatMap((p) => p.series.map((s) => s.name)))];
  return {
    padding: 10,
    width: panels.length * (PANEL_WIDTH + 40),
    height: PANEL_HEIGHT + 40,
    data: [{ name: 'rows', values: rows }],
    scales: [{ name: 'color', type: 'ordinal', domain: seriesNames, range: 'category' }],
    legends: [{ fill: 'color', stroke: 'color', orient: 'right', title: 'series' }],
    marks: [
      {
        type: 'group',
        from: { facet: { name: 'panelRows', data: 'rows', groupby: ['panelIndex', 'panel'] } },
        encode: {
          enter: {
            x: { signal: `datum.panelIndex * ${PANEL_WIDTH + 40}` },
            width: { value: PANEL_WIDTH },
            height: { value: PANEL_HEIGHT },
          },
        },
        title: { text: { signal: 'parent.panel' }, fontSize: 11 },
        scales: [
          {
            name: 'x',
            type: 'linear',
            domain: { data: 'panelRows', field: 'x' },
            range: [0, PANEL_WIDTH],
            nice: true,
            zero: false,
          },
          {
            name: 'y',
            type: 'linear',
            domain: { data: 'panelRows', field: 'y' },
            range: [PANEL_HEIGHT, 0],
            nice: true,
            zero: false,
          },
        ],
        axes: [
          { orient: 'bottom', scale: 'x', title: xTitle, tickCount: 5 },
          { orient: 'left', scale: 'y', title: yTitle, tickCount: 5 },
        ],
        data: [
          {
            name: 'lines',
            source: 'panelRows',
            transform: [{ type: 'filter', expr: "datum.kind === 'line'" }],
          },
          {
            name: 'points',
            source: 'panelRows',
            transform: [{ type: 'filter', expr: "datum.kind === 'points'" }],
          },
        ],
        marks: [
          {
            type: 'group',
            from: { facet: { name: 'seriesLines', data: 'lines', groupby: 'series' } },
            marks: [
              {
                type: 'line',
                from: { data: 'seriesLines' },
                sort: { field: 'datum.order' },
                encode: {
                  enter: {
                    x: { scale: 'x', field: 'x' },
                    y: { scale: 'y', field: 'y' },
                    stroke: { scale: 'color', field: 'series' },
                    strokeWidth: { value: 1.5 },
                  },
                },
              },
            ],
          },
          {
            type: 'symbol',
            from: { data: 'points' },
            encode: {
              enter: {
                x: { scale: 'x', field: 'x' },
                y: { scale: 'y', field: 'y' },
                fill: { scale: 'color', field: 'series' },
                size: { value: 30 },
              },
            },
          },
        ],
      },
    ],
  } as vega.Spec;
}

/** Renders panels to an SVG file with Vega (no browser or canvas needed). */
export async function writeChart(
  path: string,
  panels: Panel[],
  xTitle: string,
  yTitle: string,
): Promise<void> {
  const view = new vega.View(vega.parse(specOf(panels, xTitle, yTitle)), { renderer: 'none' });
  writeFileSync(path, await view.toSVG());
  view.finalize();
}
