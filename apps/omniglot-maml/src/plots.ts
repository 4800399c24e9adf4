import { writeFileSync } from 'node:fs';
import * as vega from 'vega';

/** One line chart: a title, axis titles and the points of one curve. */
export interface LinePanel {
  title: string;
  xTitle: string;
  yTitle: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

const PANEL_WIDTH = 300;
const PANEL_HEIGHT = 200;
/** Room between panels for the next panel's y axis labels and title. */
const PANEL_GAP = 70;

/** Builds the group mark of one panel at its horizontal offset, with its own data and scales. */
function panelGroup(panel: LinePanel, index: number): vega.GroupMark {
  const data = `panel${index}`;
  return {
    type: 'group',
    encode: {
      enter: {
        x: { value: index * (PANEL_WIDTH + PANEL_GAP) },
        width: { value: PANEL_WIDTH },
        height: { value: PANEL_HEIGHT },
      },
    },
    title: { text: panel.title, fontSize: 11 },
    data: [{ name: data, values: Array.from(panel.x, (x, i) => ({ x, y: panel.y[i] })) }],
    scales: [
      // Explicit pixel ranges: a nested group's 'width' and 'height' signals are not this
      // panel's size in Vega 6.
      {
        name: 'x',
        type: 'linear',
        domain: { data, field: 'x' },
        range: [0, PANEL_WIDTH],
        zero: false,
      },
      {
        name: 'y',
        type: 'linear',
        domain: { data, field: 'y' },
        range: [PANEL_HEIGHT, 0],
        nice: true,
        zero: false,
      },
    ],
    axes: [
      { orient: 'bottom', scale: 'x', title: panel.xTitle, tickCount: 5 },
      { orient: 'left', scale: 'y', title: panel.yTitle, tickCount: 5 },
    ],
    marks: [
      {
        type: 'line',
        from: { data },
        encode: {
          enter: {
            x: { scale: 'x', field: 'x' },
            y: { scale: 'y', field: 'y' },
            stroke: { value: '#4c78a8' },
            strokeWidth: { value: 1.5 },
          },
        },
      },
    ],
  };
}

/** Renders line charts side by side to an SVG file with Vega (no browser or canvas needed). */
export async function writePanels(path: string, panels: LinePanel[]): Promise<void> {
  const spec: vega.Spec = {
    padding: 10,
    width: panels.length * (PANEL_WIDTH + PANEL_GAP) - PANEL_GAP,
    height: PANEL_HEIGHT,
    marks: panels.map(panelGroup),
  };
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  writeFileSync(path, await view.toSVG());
  view.finalize();
}
