import type { AdaptationResult, SupportPoint } from './adaptation.js';
import { evaluateSinusoid, INPUT_RANGE, type Sinusoid } from './tasks.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

/** The plot's coordinate system: SVG user units, with margins for the axis labels. */
export const VIEW = { width: 640, height: 400, left: 36, right: 12, top: 12, bottom: 28 } as const;

/** The y range shown: the largest amplitude of the task distribution is 5. */
export const Y_RANGE: readonly [number, number] = [-6, 6];

export function toScreenX(x: number): number {
  const [low, high] = INPUT_RANGE;
  return VIEW.left + ((x - low) / (high - low)) * (VIEW.width - VIEW.left - VIEW.right);
}

export function toScreenY(y: number): number {
  const [low, high] = Y_RANGE;
  return VIEW.top + ((high - y) / (high - low)) * (VIEW.height - VIEW.top - VIEW.bottom);
}

/** Maps an SVG x coordinate to the input x, clamped to the input range. */
export function fromScreenX(screenX: number): number {
  const [low, high] = INPUT_RANGE;
  const x = low + ((screenX - VIEW.left) / (VIEW.width - VIEW.left - VIEW.right)) * (high - low);
  return Math.min(high, Math.max(low, x));
}

function element<K extends keyof SVGElementTagNameMap>(
  name: K,
  attributes: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  return node;
}

function polyline(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  className: string,
): SVGPolylineElement {
  const points: string[] = [];
  for (let i = 0; i < xs.length; i++) {
    points.push(`${toScreenX(xs[i]).toFixed(1)},${toScreenY(ys[i]).toFixed(1)}`);
  }
  return element('polyline', { points: points.join(' '), class: className });
}

function drawAxes(layer: SVGGElement): void {
  const [xLow, xHigh] = INPUT_RANGE;
  const [yLow, yHigh] = Y_RANGE;
  layer.append(
    element('line', {
      x1: toScreenX(xLow),
      x2: toScreenX(xHigh),
      y1: toScreenY(0),
      y2: toScreenY(0),
      class: 'axis',
    }),
    element('line', {
      x1: toScreenX(0),
      x2: toScreenX(0),
      y1: toScreenY(yLow),
      y2: toScreenY(yHigh),
      class: 'axis',
    }),
  );
  for (let x = xLow; x <= xHigh; x++) {
    const label = element('text', {
      x: toScreenX(x),
      y: VIEW.height - 8,
      class: 'tick',
      'text-anchor': 'middle',
    });
    label.textContent = String(x);
    layer.append(label);
  }
  // The extreme labels are left out: at phone width they would run into the x labels.
  for (let y = yLow + 2; y <= yHigh - 2; y += 2) {
    const label = element('text', {
      x: VIEW.left - 6,
      y: toScreenY(y) + 4,
      class: 'tick',
      'text-anchor': 'end',
    });
    label.textContent = String(y);
    layer.append(label);
  }
}

/** The content of one frame of the plot. */
export interface PlotState {
  task: Sinusoid;
  support: readonly SupportPoint[];
  result: AdaptationResult | null;
  /** The keyboard cursor's x, or null when the plot does not have the focus. */
  cursorX: number | null;
}

/** Redraws the plot: the true sinusoid, both predictions, the support points and the cursor. */
export function drawPlot(svg: SVGSVGElement, state: PlotState): void {
  const layer = element('g', {});
  drawAxes(layer);

  const truthX = Float32Array.from(
    { length: 200 },
    (_, i) => INPUT_RANGE[0] + (i * (INPUT_RANGE[1] - INPUT_RANGE[0])) / 199,
  );
  const truthY = truthX.map((x) => evaluateSinusoid(state.task, x));
  layer.append(polyline(truthX, truthY, 'curve truth'));
  if (state.result) {
    layer.append(polyline(state.result.grid, state.result.before, 'curve before'));
    if (state.result.adapted) {
      layer.append(polyline(state.result.grid, state.result.after, 'curve after'));
    }
  }
  for (const point of state.support) {
    layer.append(
      element('circle', { cx: toScreenX(point.x), cy: toScreenY(point.y), r: 5, class: 'support' }),
    );
  }
  if (state.cursorX !== null) {
    const x = toScreenX(state.cursorX);
    layer.append(
      element('line', {
        x1: x,
        x2: x,
        y1: VIEW.top,
        y2: VIEW.height - VIEW.bottom,
        class: 'cursor',
      }),
    );
  }
  svg.replaceChildren(layer);
}
