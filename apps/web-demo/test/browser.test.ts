import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { toScreenX, VIEW } from '../src/plot.js';
import {
  type Browser,
  buildAndServe,
  CACHE_DIR,
  CHROMIUM_PATH,
  chromiumAvailable,
  launchChromium,
  probeWebGl2,
  RESULTS_DIR,
  serverUrl,
  watchErrors,
} from './browser_harness.js';

const REQUIRED = process.env.METAGRAD_REQUIRE_ALL_TIERS === '1';
const MISSING_CHROMIUM =
  `Chromium not found at ${CHROMIUM_PATH}: install it with 'apt-get install chromium' ` +
  '(or point METAGRAD_CHROMIUM at a Chromium binary) to run the browser tests';

/** Skips the test when Chromium is missing, or fails it when every test tier is required. */
function requireChromium(context: TestContext): void {
  if (chromiumAvailable()) return;
  if (REQUIRED) throw new Error(`${MISSING_CHROMIUM}; METAGRAD_REQUIRE_ALL_TIERS=1 requires them`);
  context.skip(MISSING_CHROMIUM);
}

let server: PreviewServer | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  if (!chromiumAvailable()) {
    // The default reporter does not print skip notes, so the reason goes to the log once.
    if (!REQUIRED) console.warn(`skipping the browser tests. ${MISSING_CHROMIUM}`);
    return;
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
  server = await buildAndServe(join(CACHE_DIR, 'site'));
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function openPage(search: string, width = 1000): Promise<[Page, string[]]> {
  if (!browser || !server) throw new Error('the browser or the page server did not start');
  const page = await browser.context.newPage();
  await page.setViewportSize({ width, height: 900 });
  const errors = watchErrors(page);
  await page.goto(`${serverUrl(server)}${search}`);
  await page.waitForSelector('body[data-state="ready"]', { timeout: 60_000 });
  return [page, errors];
}

async function resultNumber(page: Page, name: string): Promise<number> {
  const value = await page.getAttribute('#results', `data-${name}`);
  if (value === null || value === '') throw new Error(`#results has no data-${name}`);
  return Number(value);
}

/** Waits until the numbers shown were computed from `count` support points. */
async function waitForResult(page: Page, count: number): Promise<void> {
  await page.waitForSelector(
    `#results[data-result-support-count="${count}"], body[data-state="error"]`,
    { timeout: 60_000 },
  );
  const error = await page.textContent('#error');
  expect(error, 'the page shows an error').toBe('');
}

/** Clicks the plot at input x (the page takes y from the true curve). */
async function clickPlotAt(page: Page, x: number): Promise<void> {
  const box = await page.locator('#plot').boundingBox();
  if (!box) throw new Error('#plot is not visible');
  const scale = box.width / VIEW.width;
  await page.mouse.click(box.x + toScreenX(x) * scale, box.y + (VIEW.height / 2) * scale);
}

/**
 * Clicks five support points, adds one with the keyboard and one with the random button, moves
 * the steps slider, and checks that adaptation cuts the error at least in half each time.
 */
async function checkAdaptation(page: Page, screenshot: string): Promise<void> {
  const xs = [-4, -2, 0, 1.5, 3.5];
  for (const [i, x] of xs.entries()) {
    await clickPlotAt(page, x);
    await waitForResult(page, i + 1);
  }
  expect(await page.locator('#plot circle.support').count()).toBe(xs.length);
  const errorBefore = await resultNumber(page, 'error-before');
  expect(await resultNumber(page, 'result-steps')).toBe(10);
  expect(await resultNumber(page, 'error-after')).toBeLessThan(errorBefore / 2);
  expect(await resultNumber(page, 'ms-per-step')).toBeGreaterThan(0);

  // Keyboard: the arrow keys move the plot cursor and Enter adds a point there.
  await page.focus('#plot-control');
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
  expect(await page.getAttribute('#plot-control', 'aria-valuenow')).toBe('0.50');
  await page.keyboard.press('Enter');
  await waitForResult(page, 6);

  // The slider takes the arrow keys too.
  await page.focus('#steps');
  await page.keyboard.press('ArrowLeft');
  await page.waitForSelector('#results[data-result-steps="9"]');
  expect(await page.textContent('#steps-value')).toBe('9');

  await page.click('#add-random');
  await waitForResult(page, 7);
  expect(await resultNumber(page, 'error-before')).toBe(errorBefore);
  expect(await resultNumber(page, 'error-after')).toBeLessThan(errorBefore / 2);

  const backend = await page.getAttribute('#results', 'data-backend');
  const msPerStep = await resultNumber(page, 'ms-per-step');
  console.info(`${backend}: ${msPerStep.toFixed(2)} ms per inner step with 7 support points`);
  await page.screenshot({ path: join(RESULTS_DIR, screenshot), fullPage: true });
}

describe('web demo in Chromium', () => {
  it('runs on the GPU backend where WebGL2 exists', async (context) => {
    requireChromium(context);
    const [page, errors] = await openPage('?seed=1');

    const webgl2 = await probeWebGl2(page);
    const backend = await page.getAttribute('#results', 'data-backend');
    const mode = await page.getAttribute('#results', 'data-mode');
    const skipped = await page.getAttribute('#results', 'data-skipped');
    console.info(
      webgl2
        ? `WebGL2 available (${webgl2.renderer}; ${webgl2.version}); page backend ${backend} (${mode})`
        : `no WebGL2 in this Chromium; page backend ${backend} (${mode})`,
    );
    if (webgl2) {
      expect(backend, `backends that did not start: ${skipped}`).toBe('gpujs');
    } else {
      expect(backend).toBe('cpu');
    }
    await checkAdaptation(page, 'web-demo.png');
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('adapts on the CPU backend', async (context) => {
    requireChromium(context);
    const [page, errors] = await openPage('?seed=1&backend=cpu');
    expect(await page.getAttribute('#results', 'data-backend')).toBe('cpu');
    await checkAdaptation(page, 'web-demo-cpu.png');
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('meta-trains more in the page', async (context) => {
    requireChromium(context);
    const [page, errors] = await openPage('?seed=2&train-iterations=5');
    await page.click('#meta-train');
    // The first iterations on a GPU backend compile the kernels of the batched shapes.
    await page.waitForSelector('#results[data-meta-iterations="5"], body[data-state="error"]', {
      timeout: 90_000,
    });
    expect(errors).toEqual([]);
    expect(await page.getAttribute('#results', 'data-meta-iterations')).toBe('5');
    expect(await page.getAttribute('#train-progress', 'value')).toBe('5');
    expect(await page.isEnabled('#meta-train')).toBe(true);
    expect(await page.textContent('#train-status')).toMatch(/last meta-loss \d+\.\d{3}/);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('fits a 360 px wide screen', async (context) => {
    requireChromium(context);
    const [page, errors] = await openPage('?seed=3', 360);
    const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(scrollWidth).toBeLessThanOrEqual(360);
    for (const id of ['add-random', 'clear', 'new-task', 'meta-train', 'steps']) {
      const box = await page.locator(`#${id}`).boundingBox();
      expect(box, `#${id} is not visible`).not.toBeNull();
      expect(box!.x + box!.width, `#${id} overflows the screen`).toBeLessThanOrEqual(360);
    }
    // Every control has an accessible name.
    for (const id of ['steps', 'train-progress']) {
      expect(await page.locator(`label[for="${id}"]`).count(), `#${id} has no label`).toBe(1);
    }
    await page.screenshot({ path: join(RESULTS_DIR, 'web-demo-360px.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
