import { writeFileSync } from 'node:fs';
import { tidy } from '@metagrad/core';
import type { StrokeEpisode } from './data.js';
import { adapt } from './maml.js';
import { logits, type StrokeNetParams, toTensors } from './model.js';
import { type Series, writeChart } from './plots.js';
import { STEP_FEATURES, sequenceToStrokes } from './strokes.js';

/** Smooths a curve with a trailing moving average, so the trend shows through the noise. */
function movingAverage(values: number[], window: number): number[] {
  const out: number[] = [];
  let sum = 0;
  values.forEach((v, i) => {
    sum += v;
    if (i >= window) sum -= values[i - window];
    out.push(sum / Math.min(i + 1, window));
  });
  return out;
}

/** A training run's per-iteration loss and accuracy, under a name for the legend. */
export interface Curve {
  name: string;
  losses: number[];
  accuracies: number[];
}

/** Plots the training loss and accuracy of each run per iteration, in two panels. */
export async function plotTraining(path: string, curves: Curve[]): Promise<void> {
  const longest = Math.max(...curves.map((c) => c.losses.length));
  const window = Math.max(1, Math.round(longest / 25));
  const lines = (pick: (c: Curve) => number[]): Series[] =>
    curves
      .filter((c) => pick(c).length > 0)
      .map((c) => ({
        name: c.name,
        kind: 'line',
        x: pick(c).map((_, i) => i + 1),
        y: movingAverage(pick(c), window),
      }));
  await writeChart(
    path,
    [
      { title: `cross-entropy (moving average of ${window})`, series: lines((c) => c.losses) },
      {
        title: `accuracy (moving average of ${window})`,
        series: lines((c) => c.accuracies.map((a) => 100 * a)),
      },
    ],
    'iteration',
    'loss / accuracy (%)',
  );
}

const CELL = 90;
const MARGIN = 8;

/** Renders one drawing as SVG paths in a CELL x CELL box at (left, top), scaled to fit. */
function drawingSvg(sequence: Float32Array, left: number, top: number, colour: string): string {
  const strokes = sequenceToStrokes(sequence);
  const points = strokes.flat();
  const extent = Math.max(...points.map((p) => Math.max(Math.abs(p.x), Math.abs(p.y))), 1e-6);
  const scale = (CELL / 2 - MARGIN) / extent;
  // Sequences have y growing upward and SVG has y growing downward.
  const project = (p: { x: number; y: number }) => [
    (left + CELL / 2 + p.x * scale).toFixed(1),
    (top + CELL / 2 - p.y * scale).toFixed(1),
  ];
  return strokes
    .map((stroke) => {
      if (stroke.length === 1) {
        const [cx, cy] = project(stroke[0]);
        return `<circle cx="${cx}" cy="${cy}" r="2" fill="${colour}"/>`;
      }
      const points = stroke.map((p) => project(p).join(',')).join(' ');
      return `<polyline points="${points}" fill="none" stroke="${colour}" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/>`;
    })
    .join('\n');
}

function sequenceOf(batch: StrokeEpisode['support'], index: number): Float32Array {
  const size = batch.length * STEP_FEATURES;
  return batch.sequences.subarray(index * size, (index + 1) * size);
}

/**
 * Draws one held-out episode in the form the network reads: the resampled sequences, one
 * polyline per stroke. Each label gets a row with its support drawings, then its query
 * drawings, each captioned with the label predicted after fine-tuning (green when right, red
 * when wrong). Returns the episode's query accuracy.
 */
export function drawEpisode(
  path: string,
  params: StrokeNetParams,
  episode: StrokeEpisode,
  options: { innerLr: number; steps: number; dtype: 'float32' | 'float64'; title: string },
): number {
  const predicted = tidy(() => {
    const support = toTensors(episode.support, options.dtype);
    const query = toTensors(episode.query, options.dtype);
    const inner = { steps: options.steps, lr: options.innerLr, firstOrder: true };
    const fast = adapt(params, support, inner);
    return Array.from(logits(fast, query.x).argmax(-1).dataSync());
  });
  const ways = episode.classIds.length;
  const shots = episode.support.count / ways;
  const queries = episode.query.count / ways;
  const columns = shots + queries;
  const top = 40;
  const rowHeight = CELL + 20;
  const width = 70 + columns * CELL + 20;
  const height = top + ways * rowHeight + 10;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="10" y="18" font-size="13">${options.title}</text>`,
    `<text x="70" y="34">support</text><text x="${70 + shots * CELL + 4}" y="34">queries (predicted label)</text>`,
  ];
  let correct = 0;
  for (let label = 0; label < ways; label++) {
    const y = top + label * rowHeight;
    parts.push(`<text x="10" y="${y + CELL / 2}">label ${label}</text>`);
    for (let k = 0; k < shots; k++) {
      const x = 70 + k * CELL;
      parts.push(
        `<rect x="${x + 2}" y="${y + 2}" width="${CELL - 4}" height="${CELL - 4}" fill="#f4f4f4"/>`,
      );
      parts.push(drawingSvg(sequenceOf(episode.support, label * shots + k), x, y, '#222'));
    }
    for (let q = 0; q < queries; q++) {
      const index = label * queries + q;
      const right = predicted[index] === label;
      if (right) correct += 1;
      const colour = right ? '#1a7f37' : '#cf222e';
      const x = 70 + (shots + q) * CELL;
      parts.push(
        `<rect x="${x + 2}" y="${y + 2}" width="${CELL - 4}" height="${CELL - 4}" fill="none" stroke="${colour}"/>`,
      );
      parts.push(drawingSvg(sequenceOf(episode.query, index), x, y, colour));
      parts.push(
        `<text x="${x + 6}" y="${y + CELL + 12}" fill="${colour}">→ ${predicted[index]}</text>`,
      );
    }
  }
  parts.push('</svg>');
  writeFileSync(path, `${parts.join('\n')}\n`);
  return correct / episode.query.count;
}
