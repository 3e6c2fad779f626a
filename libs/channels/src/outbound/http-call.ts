import { parseRetryAfterMs } from './retry-after';
import { PlatformCallError } from './platform-errors';

export interface HttpCallOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /**
   * Most bytes of answer read (unset: no limit). A declared Content-Length over it is refused before reading, and
   * the read stops at the first byte over it: a hostile or broken server cannot make the caller hold an unbounded
   * body. Refused as `RESPONSE_TOO_LARGE` (retryable, like any unreadable answer).
   */
  maxResponseBytes?: number;
}

export interface HttpCallResult {
  status: number;
  headers: Headers;
  text: string;
}

/**
 * One HTTP call with a hard timeout. Transport failures, timeouts, 429 and 5xx become retryable
 * PlatformCallErrors (429 and 503 carry Retry-After); other statuses are returned for the adapter to read,
 * because platforms report their own errors inside 200 bodies.
 */
export async function httpCall(url: string, options: HttpCallOptions): Promise<HttpCallResult> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: options.method ?? 'POST',
      headers: options.headers,
      body: options.body,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (err) {
    const name = (err as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      throw new PlatformCallError('TIMEOUT', `no answer within ${options.timeoutMs} ms`, true);
    }
    throw new PlatformCallError('NETWORK', `call failed: ${(err as Error).message}`, true);
  }
  let text: string;
  try {
    text =
      options.maxResponseBytes === undefined
        ? await response.text()
        : await readBounded(response, options.maxResponseBytes);
  } catch (err) {
    if (err instanceof PlatformCallError) throw err;
    throw new PlatformCallError('NETWORK', `reading the answer failed: ${(err as Error).message}`, true);
  }
  if (response.status === 429 || response.status >= 500) {
    throw new PlatformCallError(
      `HTTP_${response.status}`,
      `platform answered ${response.status}`,
      true,
      parseRetryAfterMs(response.headers.get('retry-after')),
    );
  }
  return { status: response.status, headers: response.headers, text };
}

async function readBounded(response: Response, maxBytes: number): Promise<string> {
  const tooLarge = () =>
    new PlatformCallError('RESPONSE_TOO_LARGE', `the answer is over ${maxBytes} bytes`, true);
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new PlatformCallError('BAD_RESPONSE', `${what}: the answer is not JSON`, true);
  }
}
