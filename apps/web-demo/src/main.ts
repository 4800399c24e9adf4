import './style.css';
import { Generator } from '@metagrad/core';
import {
  type AdaptationResult,
  adaptAndPredict,
  MAX_SUPPORT_POINTS,
  type SupportPoint,
} from './adaptation.js';
import { type BackendInfo, startBackend } from './backend.js';
import { MetaTrainer } from './meta_train.js';
import { parseWeights } from './model.js';
import { drawPlot, fromScreenX, VIEW } from './plot.js';
import { evaluateSinusoid, INPUT_RANGE, type Sinusoid, sampleSinusoid } from './tasks.js';

const CURSOR_STEP = 0.1;
const CURSOR_BIG_STEP = 1;

function byId<T extends Element = HTMLElement>(id: string): T {
  const node: Element | null = document.getElementById(id);
  if (!node) throw new Error(`page: element #${id} is missing from index.html`);
  return node as T;
}

const query = new URLSearchParams(location.search);
const seedParameter = query.get('seed');
const generator = new Generator(seedParameter ? Number(seedParameter) : Date.now() % 2 ** 31);
const trainIterations = Number(query.get('train-iterations') ?? 100);

const plot = byId<SVGSVGElement>('plot');
const plotControl = byId<HTMLDivElement>('plot-control');
const results = byId<HTMLDListElement>('results');
const stepsInput = byId<HTMLInputElement>('steps');
const trainButton = byId<HTMLButtonElement>('meta-train');
const trainProgress = byId<HTMLProgressElement>('train-progress');
const trainStatus = byId<HTMLParagraphElement>('train-status');

let task: Sinusoid = sampleSinusoid(generator);
let support: SupportPoint[] = [];
let result: AdaptationResult | null = null;
let cursorX: number | null = null;
let trainer: MetaTrainer | null = null;

// Every computation on the weights runs through this chain, one at a time, because a
// meta-training step disposes the weights that an adaptation in flight would still read.
let queue: Promise<void> = Promise.resolve();
let refreshQueued = false;

function enqueue(job: () => Promise<void>): void {
  queue = queue.then(job).catch(showError);
}

function showError(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  const box = byId<HTMLParagraphElement>('error');
  box.textContent = `Error: ${message}`;
  box.hidden = false;
  document.body.dataset.state = 'error';
  console.error(error);
}

function render(): void {
  drawPlot(plot, { task, support, result, cursorX });
  byId('support-count').textContent = String(support.length);
  results.dataset.supportCount = String(support.length);
  if (result) {
    byId('error-before').textContent = result.errorBefore.toFixed(3);
    byId('error-after').textContent = result.errorAfter.toFixed(3);
    byId('ms-per-step').textContent =
      result.msPerStep === null ? '-' : `${result.msPerStep.toFixed(2)} ms`;
    results.dataset.errorBefore = String(result.errorBefore);
    results.dataset.errorAfter = String(result.errorAfter);
    results.dataset.msPerStep = result.msPerStep === null ? '' : String(result.msPerStep);
  }
}

async function recompute(): Promise<void> {
  if (!trainer) return;
  const points = support;
  const steps = Number(stepsInput.value);
  result = await adaptAndPredict(trainer.params, task, points, steps);
  // The numbers shown belong to these inputs, which may be older than what the user has added since.
  results.dataset.resultSupportCount = String(points.length);
  results.dataset.resultSteps = String(steps);
  render();
}

/** Recomputes the adaptation after the jobs already queued; repeated requests coalesce. */
function refresh(): void {
  render();
  if (refreshQueued) return;
  refreshQueued = true;
  enqueue(async () => {
    refreshQueued = false;
    await recompute();
  });
}

function addSupportPoint(x: number): void {
  if (support.length >= MAX_SUPPORT_POINTS) {
    trainStatus.textContent = `At most ${MAX_SUPPORT_POINTS} support points; clear some first.`;
    return;
  }
  support = [...support, { x, y: evaluateSinusoid(task, x) }];
  refresh();
}

function plotX(event: MouseEvent): number {
  const matrix = plot.getScreenCTM();
  if (!matrix) return 0;
  const point = new DOMPoint(event.clientX, event.clientY).matrixTransform(matrix.inverse());
  return fromScreenX(point.x);
}

function moveCursor(x: number): void {
  const [low, high] = INPUT_RANGE;
  cursorX = Math.min(high, Math.max(low, Math.round(x * 100) / 100));
  plotControl.setAttribute('aria-valuenow', cursorX.toFixed(2));
  plotControl.setAttribute('aria-valuetext', `x = ${cursorX.toFixed(2)}`);
  render();
}

function onPlotKey(event: KeyboardEvent): void {
  const step = event.shiftKey ? CURSOR_BIG_STEP : CURSOR_STEP;
  const x = cursorX ?? 0;
  if (event.key === 'ArrowLeft' || event.key === 'ArrowDown') moveCursor(x - step);
  else if (event.key === 'ArrowRight' || event.key === 'ArrowUp') moveCursor(x + step);
  else if (event.key === 'Home') moveCursor(INPUT_RANGE[0]);
  else if (event.key === 'End') moveCursor(INPUT_RANGE[1]);
  else if (event.key === 'Enter' || event.key === ' ') addSupportPoint(x);
  else return;
  event.preventDefault();
}

async function metaTrain(): Promise<void> {
  if (!trainer) return;
  trainButton.disabled = true;
  document.body.dataset.state = 'training';
  trainProgress.max = trainIterations;
  let loss = Number.NaN;
  for (let i = 1; i <= trainIterations; i++) {
    loss = await trainer.step();
    trainProgress.value = i;
    trainStatus.textContent = `Meta-training: iteration ${i} of ${trainIterations}, meta-loss ${loss.toFixed(3)}`;
    if (i % 20 === 0 || i === trainIterations) await recompute();
    // Let the browser paint the progress bar between iterations.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  results.dataset.metaIterations = String(trainer.iterations);
  trainStatus.textContent = `Meta-trained ${trainer.iterations} more iterations in this page; last meta-loss ${loss.toFixed(3)}.`;
  trainButton.disabled = false;
  document.body.dataset.state = 'ready';
}

function showBackend(info: BackendInfo): void {
  byId('backend').textContent = `${info.name} (${info.mode})`;
  byId('backend').title = info.skipped.length ? `Not started: ${info.skipped.join('; ')}` : '';
  results.dataset.backend = info.name;
  results.dataset.mode = info.mode;
  results.dataset.skipped = info.skipped.join('; ');
}

async function start(): Promise<void> {
  const info = await startBackend(query.get('backend'));
  showBackend(info);
  const response = await fetch(`${import.meta.env.BASE_URL}weights.safetensors`);
  if (!response.ok) {
    throw new Error(
      `weights.safetensors: HTTP ${response.status}; the page cannot start without it`,
    );
  }
  const params = parseWeights(new Uint8Array(await response.arrayBuffer()));
  trainer = new MetaTrainer(params, generator);
  // A GPU backend compiles its kernels on their first run; one throwaway inner step does that
  // before the page reports a time per step.
  await adaptAndPredict(params, task, [{ x: 0, y: 0 }], 1);
  await recompute();
  document.body.dataset.state = 'ready';
}

trainButton.textContent = `Meta-train ${trainIterations} more iterations`;
plot.addEventListener('click', (event) => addSupportPoint(plotX(event)));
plotControl.addEventListener('keydown', onPlotKey);
plotControl.addEventListener('focus', () => moveCursor(cursorX ?? 0));
plotControl.addEventListener('blur', () => {
  cursorX = null;
  render();
});
stepsInput.addEventListener('input', () => {
  byId<HTMLOutputElement>('steps-value').value = stepsInput.value;
  refresh();
});
byId('add-random').addEventListener('click', () =>
  addSupportPoint(generator.uniform(...INPUT_RANGE)),
);
byId('clear').addEventListener('click', () => {
  support = [];
  refresh();
});
byId('new-task').addEventListener('click', () => {
  task = sampleSinusoid(generator);
  support = [];
  refresh();
});
trainButton.addEventListener('click', () => enqueue(metaTrain));
plot.setAttribute('viewBox', `0 0 ${VIEW.width} ${VIEW.height}`);
render();
enqueue(start);
