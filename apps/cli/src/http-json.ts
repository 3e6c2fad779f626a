import { readFile } from 'node:fs/promises';

/** One JSON request to a StockSync app; a non-2xx answer becomes an error carrying the app's error code. */
export async function requestJson(
  method: string,
  url: string,
  bearer?: string,
  body?: unknown,
): Promise<unknown> {
  const res = await fetch(url, {
    method,
    headers: {
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const answer = text ? (JSON.parse(text) as unknown) : null;
  if (!res.ok) {
    const { code, message } = (answer ?? {}) as { code?: string; message?: string };
    throw new Error(`${method} ${url}: ${res.status} ${code ?? ''} ${message ?? text}`.trim());
  }
  return answer;
}

/**
 * A JSON body given on the command line: inline (`'{…}'`) or the path of a file holding it. Undefined when it is
 * not JSON (the caller reports a usage error).
 */
export async function jsonArgument(source: string): Promise<unknown> {
  const text = source.trimStart().startsWith('{') ? source : await readFile(source, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
