/** One JSON request to a StockSync app; a non-2xx answer becomes an error carrying the app's error code. */
export async function requestJson(method: string, url: string, bearer?: string): Promise<unknown> {
  const res = await fetch(url, { method, headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
  const text = await res.text();
  const body = text ? (JSON.parse(text) as unknown) : null;
  if (!res.ok) {
    const { code, message } = (body ?? {}) as { code?: string; message?: string };
    throw new Error(`${method} ${url}: ${res.status} ${code ?? ''} ${message ?? text}`.trim());
  }
  return body;
}
