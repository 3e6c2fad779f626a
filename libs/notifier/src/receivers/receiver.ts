import type { Notification } from '../format/render';

/** Somewhere a message goes: a webhook, a chat robot, a mailbox. */
export interface Receiver {
  /** The name routes use: webhook, wecom, dingtalk, feishu, email. */
  readonly name: string;
  /** Resolves once the receiver acknowledged the message; throws ReceiverError otherwise. */
  send(notification: Notification): Promise<void>;
  close?(): Promise<void>;
}

export const ReceiverErrorCodes = {
  /** No answer: connection refused, DNS, timeout. */
  UNREACHABLE: 'NOTIFIER.RECEIVER_UNREACHABLE',
  /** An HTTP status other than 2xx. */
  HTTP_STATUS: 'NOTIFIER.RECEIVER_HTTP_STATUS',
  /** HTTP 200 with an error code in the body (the chat robots answer that way), or an SMTP refusal. */
  REFUSED: 'NOTIFIER.RECEIVER_REFUSED',
} as const;
export type ReceiverErrorCode = (typeof ReceiverErrorCodes)[keyof typeof ReceiverErrorCodes];

/**
 * Why a send failed. The message never holds the receiver's URL or credentials (a robot's URL carries its key):
 * it is logged and stored in notifier_outbox.last_error.
 */
export class ReceiverError extends Error {
  constructor(
    readonly code: ReceiverErrorCode,
    detail: string,
    /** Worth trying again later (a timeout, a 5xx, a rate limit); false: the same message fails the same way. */
    readonly retryable: boolean,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'ReceiverError';
  }
}

export function isRetryableSendError(err: unknown): boolean {
  return err instanceof ReceiverError ? err.retryable : true;
}

export interface HttpAnswer {
  status: number;
  body: string;
}

/** POSTs JSON; a timeout or a lost connection is UNREACHABLE, a non-2xx status HTTP_STATUS. */
export async function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<HttpAnswer> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
      body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
  } catch (err) {
    const name =
      (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : 'connection failed';
    throw new ReceiverError(ReceiverErrorCodes.UNREACHABLE, name, true);
  }
  // At most 64 KiB of an answer is read: it is only looked at for an error code.
  const text = (await response.text().catch(() => '')).slice(0, 65_536);
  if (response.status < 200 || response.status > 299) {
    const retryable = response.status >= 500 || response.status === 429 || response.status === 408;
    throw new ReceiverError(ReceiverErrorCodes.HTTP_STATUS, `HTTP ${response.status}`, retryable);
  }
  return { status: response.status, body: text };
}

/**
 * The chat robots answer HTTP 200 with `{"errcode":0}` (WeCom, DingTalk) or `{"code":0}` (Feishu, older
 * `{"StatusCode":0}`). Anything else is a refusal; the throttling codes are worth a later attempt.
 */
export function checkRobotAnswer(answer: HttpAnswer, throttled: readonly number[]): void {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(answer.body) as Record<string, unknown>;
  } catch {
    throw new ReceiverError(ReceiverErrorCodes.REFUSED, 'the answer is not JSON', true);
  }
  const code = parsed.errcode ?? parsed.code ?? parsed.StatusCode;
  if (code === 0) return;
  const message = String(parsed.errmsg ?? parsed.msg ?? parsed.StatusMessage ?? '').slice(0, 200);
  throw new ReceiverError(
    ReceiverErrorCodes.REFUSED,
    `code ${String(code)} ${message}`.trim(),
    typeof code === 'number' && throttled.includes(code),
  );
}
