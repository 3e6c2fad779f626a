import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';

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

/** How long a wait on the page lasts before it fails with what the page showed. */
export const WAIT_MS = 30_000;

/**
 * Polls `read` until `done` holds, failing with the page's text, a screenshot and its last API calls: the page
 * answers the API's calls, so nothing in a browser test is timed, only waited for.
 */
async function waitFor<T>(
  locator: Locator,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  describe: (value: T) => string,
): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await read();
    if (done(value)) return;
    if (Date.now() > deadline) throw await pageError(locator, describe(value));
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until the element's text contains (or matches) `expected`. */
export function expectText(locator: Locator, expected: string | RegExp): Promise<void> {
  return waitFor(
    locator,
    async () =>
      (await locator
        .first()
        .textContent({ timeout: WAIT_MS })
        .catch(() => null)) ?? '',
    (text) => (typeof expected === 'string' ? text.includes(expected) : expected.test(text)),
    (text) => `expected ${String(expected)}, the element shows ${JSON.stringify(text)}`,
  );
}

/** Waits until the element's attribute `name` is `expected`. */
export function expectAttribute(locator: Locator, name: string, expected: string): Promise<void> {
  return waitFor(
    locator,
    () =>
      locator
        .first()
        .getAttribute(name, { timeout: WAIT_MS })
        .catch(() => null),
    (value) => value === expected,
    (value) => `expected ${name}="${expected}", the element shows ${JSON.stringify(value)}`,
  );
}

/** Waits until the field holds `expected`. */
export function expectValue(locator: Locator, expected: string): Promise<void> {
  return waitFor(
    locator,
    () => locator.inputValue({ timeout: WAIT_MS }).catch(() => ''),
    (value) => value === expected,
    (value) => `expected the value ${JSON.stringify(expected)}, the field holds ${JSON.stringify(value)}`,
  );
}

/** Waits until the locator finds exactly `expected` elements. */
export function expectCount(locator: Locator, expected: number): Promise<void> {
  return waitFor(
    locator,
    () => locator.count(),
    (n) => n === expected,
    (n) => `expected ${expected} elements, found ${n}`,
  );
}

/** A failed wait with what the page showed: its text in the error and a screenshot beside the others. */
async function pageError(locator: Locator, message: string): Promise<Error> {
  const page = locator.page();
  const name = `failure-${Date.now()}`;
  await screenshot(page, name).catch(() => undefined);
  const text = (
    (await page
      .locator('body')
      .textContent()
      .catch(() => '')) ?? ''
  )
    .replace(/\s+/g, ' ')
    .slice(0, 1500);
  return new Error(
    `${message} (screenshot ${name}.png; the page: ${text})\nits last API calls:\n${recentCalls(page).join('\n')}`,
  );
}
