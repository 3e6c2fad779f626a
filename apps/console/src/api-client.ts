import type { Me, Role } from './types';

export type { Me, Role };

/** An error answer of the operations API: `code` is stable (see docs/reference), `message` is for people. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface UploadProgress {
  loaded: number;
  total: number;
}

/**
 * The console's only way to the engine: the public operations API under /v1, with the signed-in API key as a
 * Bearer token. Nothing here is a private route: whatever the console shows, a script can read the same way.
 */
export class ApiClient {
  constructor(
    private readonly key: string,
    private readonly base = '',
  ) {}

  get<T>(path: string, query?: Record<string, string | number | boolean | undefined>): Promise<T> {
    return this.request<T>('GET', withQuery(path, query));
  }

  send<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
    return this.request<T>(method, path, body);
  }

  /** A file download (CSV) through the API, with the key: a plain link could not carry the header. */
  async download(path: string): Promise<Blob> {
    const response = await fetch(this.base + path, { headers: this.headers() });
    if (!response.ok) throw await problemOf(response);
    return response.blob();
  }

  /** A raw-body upload (card keys, catalogue) with progress: fetch cannot report upload progress, XHR can. */
  upload<T>(
    path: string,
    file: Blob,
    contentType: string,
    onProgress: (p: UploadProgress) => void,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', this.base + path);
      xhr.setRequestHeader('authorization', `Bearer ${this.key}`);
      xhr.setRequestHeader('content-type', contentType);
      xhr.upload.onprogress = (e) =>
        onProgress({ loaded: e.loaded, total: e.lengthComputable ? e.total : file.size });
      xhr.onerror = () => reject(new ApiProblem(0, 'CONSOLE.NETWORK', 'network error'));
      xhr.onload = () => {
        let body: unknown;
        try {
          body = JSON.parse(xhr.responseText);
        } catch {
          body = undefined;
        }
        if (xhr.status >= 200 && xhr.status < 300) resolve(body as T);
        else reject(problemFromBody(xhr.status, body));
      };
      xhr.send(file);
    });
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(this.base + path, {
      method,
      headers: { ...this.headers(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw await problemOf(response);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  private headers(): Record<string, string> {
    return { authorization: `Bearer ${this.key}` };
  }
}

export function withQuery(
  path: string,
  query?: Record<string, string | number | boolean | undefined>,
): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query))
    if (value !== undefined && value !== '') params.set(name, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function problemOf(response: Response): Promise<ApiProblem> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  return problemFromBody(response.status, body);
}

function problemFromBody(status: number, body: unknown): ApiProblem {
  const b = (body ?? {}) as { code?: unknown; message?: unknown };
  return new ApiProblem(
    status,
    typeof b.code === 'string' ? b.code : `HTTP.${status}`,
    typeof b.message === 'string' ? b.message : `HTTP ${status}`,
  );
}
