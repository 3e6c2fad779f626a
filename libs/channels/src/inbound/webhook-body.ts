import type { IncomingMessage } from 'node:http';

/** Every platform posts its notices as JSON (`application/json`, a charset parameter allowed). */
export const WEBHOOK_CONTENT_TYPES: readonly string[] = ['application/json'];

export const DEFAULT_WEBHOOK_MAX_BODY_BYTES = 1024 * 1024;

export interface WebhookBodyLimits {
  maxBytes: number;
  /** Media types (without parameters, lower case) the platform sends. */
  contentTypes: readonly string[];
}

export type WebhookBodyRead =
  { ok: true; body: Buffer } | { ok: false; status: 400 | 413 | 415; code: string; message: string };

/**
 * Reads a webhook body with its limits checked before anything is kept: this runs before the signature check,
 * so anyone can send it. A declared Content-Length over the limit is refused at once (413, whatever the content
 * type); a content type the platform never sends is refused at once (415); otherwise the bytes are counted as
 * they arrive and the read stops at the first byte over the limit (413), so a chunked body without a length
 * cannot grow the process either. The caller answers and closes the connection (`closeAfterAnswer`).
 */
export async function readWebhookBody(
  req: IncomingMessage,
  limits: WebhookBodyLimits,
): Promise<WebhookBodyRead> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limits.maxBytes) return tooLarge(limits.maxBytes);
  const mediaType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (!limits.contentTypes.includes(mediaType))
    return {
      ok: false,
      status: 415,
      code: 'WEBHOOK.UNSUPPORTED_MEDIA_TYPE',
      message: `content type must be ${limits.contentTypes.join(' or ')}`,
    };
  // Already read by a body parser (the route was not exempted from it): the bytes as sent are gone.
  if (req.readableEnded || (req as { _body?: boolean })._body)
    return { ok: false, status: 400, code: 'WEBHOOK.BODY_UNAVAILABLE', message: 'the raw body was not kept' };
  return collect(req, limits.maxBytes);
}

// Events, not `for await`: leaving an async iterator early destroys the request, and with it the socket the
// 413 answer has to go out on.
function collect(req: IncomingMessage, maxBytes: number): Promise<WebhookBodyRead> {
  return new Promise((resolve) => {
    let chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: WebhookBodyRead) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAbort);
      req.off('close', onAbort);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        chunks = [];
        req.pause();
        finish(tooLarge(maxBytes));
      } else chunks.push(chunk);
    };
    const onEnd = () => finish({ ok: true, body: Buffer.concat(chunks, size) });
    const onAbort = () =>
      finish({ ok: false, status: 400, code: 'WEBHOOK.BODY_ABORTED', message: 'the upload was cut off' });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAbort);
    req.on('close', onAbort);
  });
}

function tooLarge(maxBytes: number): WebhookBodyRead {
  return {
    ok: false,
    status: 413,
    code: 'WEBHOOK.BODY_TOO_LARGE',
    message: `the body is over ${maxBytes} bytes`,
  };
}

/**
 * After a refusal the rest of the upload is not wanted. Node would read (and discard) it to keep the connection
 * alive; instead the answer goes out with `Connection: close`, and the socket is closed once the client has had
 * as many bytes again as the limit to notice the answer, or after a few seconds.
 */
export function closeAfterAnswer(
  req: IncomingMessage,
  res: { setHeader(name: string, value: string): unknown; once(event: 'finish', fn: () => void): unknown },
  maxBytes: number,
): void {
  res.setHeader('connection', 'close');
  res.once('finish', () => {
    if (req.complete) return;
    let drained = 0;
    const close = () => req.socket?.destroy();
    const timer = setTimeout(close, 5_000);
    timer.unref();
    req.on('data', (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > maxBytes) {
        clearTimeout(timer);
        close();
      }
    });
    req.on('end', () => clearTimeout(timer));
    req.resume();
  });
}
