/**
 * Helpers for the real-browser tests: Debian's chromium driven by playwright-core, and pages built
 * around the widget bundles.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const ROOT = join(__dirname, '..', '..');
export const ARTIFACTS = join(ROOT, 'test', 'artifacts');
export const EMBED_JS = join(ROOT, 'widgets', 'dist', 'embed.js');
export const LIVE_JS = join(ROOT, 'widgets', 'dist', 'live.js');

export async function launchBrowser(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'tunelab-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport: { width: 1000, height: 900 },
  });
  // tsx compiles the test files with esbuild's keepNames, which wraps named functions in
  // `__name(...)`; functions passed to page.evaluate run in the page, where that helper is missing.
  await context.addInitScript({ content: 'window.__name = (f) => f;' });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

/** Escape JSON for a <script> element: `</` must not close the tag. */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c');
}

/**
 * Save a screenshot to test/artifacts. Screenshots are a record for people, not a check: on a
 * machine shared by many jobs a capture can time out, which is reported but does not fail a test.
 */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
  try {
    await page.screenshot({ path: artifactPath(name), fullPage: true, timeout: 120_000, animations: 'disabled' });
  } catch (e) {
    console.warn(`screenshot ${name} not saved: ${(e as Error).message.split('\n')[0]}`);
  }
}
