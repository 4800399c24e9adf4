import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { build, type PreviewServer, preview } from 'vite';

export const APP_ROOT = join(import.meta.dirname, '..');
/** Screenshots for people to look at (gitignored). */
export const RESULTS_DIR = join(APP_ROOT, 'test-results');

/**
 * Files the tests generate: the built page and the README example. They live under
 * node_modules so that the linter skips them and Node resolves the workspace packages from them.
 */
export const CACHE_DIR = join(APP_ROOT, 'node_modules', '.cache', 'web-demo-test');

/** Debian's Chromium; METAGRAD_CHROMIUM points the tests at another build. */
export const CHROMIUM_PATH = process.env.METAGRAD_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Chromium flags for a sandboxed machine without network: no sandbox (the tests may run as
 * root), no GPU process (WebGL2 still runs on SwiftShader), and no background connections.
 */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Builds the page with the app's vite.config.ts into `outDir` and serves it on 127.0.0.1. */
export async function buildAndServe(outDir: string): Promise<PreviewServer> {
  await build({ root: APP_ROOT, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  const server = await preview({
    root: APP_ROOT,
    logLevel: 'warn',
    build: { outDir },
    preview: { host: '127.0.0.1', port: 0, open: false },
  });
  return server;
}

export function serverUrl(server: PreviewServer): string {
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview: the server reported no local URL');
  return url;
}

/** A headless Chromium with a fresh, empty profile, removed again by `close`. */
export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'metagrad-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/** Collects the console errors and uncaught exceptions of a page. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console.error: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  return errors;
}

/** What the page's WebGL2 context reports, or null where the browser has no WebGL2. */
export interface WebGl2Info {
  renderer: string;
  version: string;
}

export async function probeWebGl2(page: Page): Promise<WebGl2Info | null> {
  return page.evaluate(() => {
    const gl = document.createElement('canvas').getContext('webgl2');
    if (!gl) return null;
    const debug = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = debug
      ? String(gl.getParameter(debug.UNMASKED_RENDERER_WEBGL))
      : String(gl.getParameter(gl.RENDERER));
    return { renderer, version: String(gl.getParameter(gl.VERSION)) };
  });
}
