import { writeFileSync } from 'node:fs';
import { encode } from 'fast-png';
import { IMAGE_SIZE } from './model.js';
import { writePanels } from './plots.js';

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

/** Plots the meta-training query loss and accuracy after adaptation per iteration, side by side. */
export async function plotTraining(
  path: string,
  losses: number[],
  accuracies: number[],
): Promise<void> {
  const window = Math.max(1, Math.round(losses.length / 50));
  const x = losses.map((_, i) => i + 1);
  const smoothed = window > 1 ? ` (moving average of ${window})` : '';
  await writePanels(path, [
    {
      title: `query loss after adaptation${smoothed}`,
      xTitle: 'meta-training iteration',
      yTitle: 'cross-entropy',
      x,
      y: movingAverage(losses, window),
    },
    {
      title: `query accuracy after adaptation${smoothed}`,
      xTitle: 'meta-training iteration',
      yTitle: 'accuracy',
      x,
      y: movingAverage(accuracies, window),
    },
  ]);
}

/** One classification task to draw: images with their true labels and the predictions. */
export interface EpisodePicture {
  title: string;
  support: Float32Array[];
  supportLabels: number[];
  query: Float32Array[];
  queryLabels: number[];
  predictions: number[];
}

/** Encodes an ink image (1 = ink) as a PNG data URL, drawn black on white. */
function pngDataUrl(image: Float32Array): string {
  const gray = new Uint8Array(image.length);
  for (let i = 0; i < image.length; i++) gray[i] = Math.round(255 * (1 - image[i]));
  const png = encode({ width: IMAGE_SIZE, height: IMAGE_SIZE, data: gray, channels: 1, depth: 8 });
  return `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
}

const CELL = 64;
const GAP = 26;

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Writes an SVG of one task: the support images in the first row with their labels, then the
 * queries with the predicted and true label, framed green when right and red when wrong.
 */
export function drawEpisode(path: string, picture: EpisodePicture): void {
  const columns = Math.max(picture.support.length, Math.min(picture.query.length, 10));
  const queryRows = Math.ceil(picture.query.length / columns);
  // Wide enough for the images and for the title at about 7 px per character.
  const width = Math.max(columns * (CELL + 8) + 16, 7 * picture.title.length + 16);
  const height = 40 + (CELL + GAP) * (1 + queryRows) + 30;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="8" y="16" font-size="13">${escapeXml(picture.title)}</text>`,
  ];
  const cell = (image: Float32Array, x: number, y: number, caption: string, frame: string) => {
    parts.push(
      `<image x="${x}" y="${y}" width="${CELL}" height="${CELL}" image-rendering="pixelated" href="${pngDataUrl(image)}"/>`,
      `<rect x="${x}" y="${y}" width="${CELL}" height="${CELL}" fill="none" stroke="${frame}" stroke-width="2"/>`,
      `<text x="${x}" y="${y + CELL + 13}">${escapeXml(caption)}</text>`,
    );
  };
  parts.push('<text x="8" y="34">support set</text>');
  picture.support.forEach((image, i) => {
    cell(image, 8 + i * (CELL + 8), 40, `label ${picture.supportLabels[i]}`, '#888');
  });
  const queryTop = 40 + CELL + GAP;
  const right = picture.predictions.filter((p, i) => p === picture.queryLabels[i]).length;
  parts.push(
    `<text x="8" y="${queryTop + 12}">queries: predicted (true), ${right} of ${picture.query.length} right</text>`,
  );
  picture.query.forEach((image, i) => {
    const x = 8 + (i % columns) * (CELL + 8);
    const y = queryTop + 18 + Math.floor(i / columns) * (CELL + GAP);
    const correct = picture.predictions[i] === picture.queryLabels[i];
    const caption = `${picture.predictions[i]} (${picture.queryLabels[i]})`;
    cell(image, x, y, caption, correct ? '#1a9850' : '#d73027');
  });
  parts.push('</svg>');
  writeFileSync(path, `${parts.join('\n')}\n`);
}
