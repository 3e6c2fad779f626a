import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's Chromium (`.ci/run` installs the package when it is missing); CHROMIUM_PATH for another one. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where the browser tests leave their screenshots (a few are copied into docs/console/). */
export const SCREENSHOT_DIR =
  process.env.CONSOLE_SCREENSHOT_DIR ?? join(__dirname, '..', '..', '.cache', 'console-screenshots');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`) });
}

/**
 * Fails the test on what a user would see as breakage: an uncaught error in the page, or a request the page made
 * to anywhere but the API it was opened from (the console must work on a closed network).
 */
export function watchPage(page: Page, origin: string): { problems: string[] } {
  const problems: string[] = [];
  // The page's calls to the API, kept for a failed wait to show: what was asked, answered, and how fast.
  const calls: string[] = [];
  callsOf.set(page, calls);
  const started = new Map<unknown, number>();
  page.on('request', (request) => started.set(request, Date.now()));
  page.on(
    'requestfinished',
    (request) =>
      void request
        .response()
        .then((response) =>
          calls.push(
            `${response?.status() ?? '?'} ${Date.now() - (started.get(request) ?? Date.now())} ms ${request.method()} ${request.url().replace(origin, '')}`,
          ),
        ),
  );
  page.on('requestfailed', (request) =>
    calls.push(
      `failed ${request.method()} ${request.url().replace(origin, '')}: ${request.failure()?.errorText}`,
    ),
  );
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('request', (request) => {
    if (
      !request.url().startsWith(origin) &&
      !request.url().startsWith('blob:') &&
      !request.url().startsWith('data:')
    )
      problems.push(`request outside the API: ${request.url()}`);
  });
  return { problems };
}

const callsOf = new WeakMap<Page, string[]>();

/** The page's last API calls (status, time, method, path), newest last. */
export function recentCalls(page: Page, count = 25): string[] {
  return (callsOf.get(page) ?? []).slice(-count);
}
