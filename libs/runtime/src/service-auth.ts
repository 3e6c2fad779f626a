import { createHash, timingSafeEqual } from 'node:crypto';
import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
  type INestApplication,
  SetMetadata,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ServiceAuthConfig } from '@libs/config';
import { ObservabilityController } from '@libs/observability';
import type { Request, Response } from 'express';

const WITHOUT_SERVICE_TOKEN = 'stocksync:without-service-token';

/**
 * Marks a controller or route as reachable without the service token. Only for routes that carry their own
 * authentication (a platform's signed webhook); everything else an internal app serves needs the token.
 */
export const WithoutServiceToken = () => SetMetadata(WITHOUT_SERVICE_TOKEN, true);

/** The form SERVICE_TOKEN_HASHES holds: lowercase hex SHA-256 of the token's UTF-8 bytes. */
export function hashServiceToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The header a caller sends; no header when the caller has no token (the server then answers 401). */
export function serviceAuthHeaders(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/**
 * Default deny for an internal app (a connector, the reconciler): every route needs `Authorization: Bearer
 * <token>` whose SHA-256 is one of SERVICE_TOKEN_HASHES, except /health, /health/live, /health/ready and /metrics
 * (orchestrators and Prometheus reach them; they reveal no data and start nothing) and routes marked
 * WithoutServiceToken. Being global, a route added later is guarded without anyone remembering to.
 */
@Injectable()
export class ServiceTokenGuard implements CanActivate {
  private readonly accepted: Buffer[];

  constructor(
    config: ServiceAuthConfig,
    private readonly reflector: Reflector,
  ) {
    this.accepted = config.tokenHashes.map((h) => Buffer.from(h, 'hex'));
  }

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    if (context.getClass() === ObservabilityController) return true;
    if (
      this.reflector.getAllAndOverride<boolean>(WITHOUT_SERVICE_TOKEN, [
        context.getHandler(),
        context.getClass(),
      ])
    )
      return true;
    const http = context.switchToHttp();
    const token = bearerToken(http.getRequest<Request>().headers.authorization);
    if (token !== undefined && this.accepts(token)) return true;
    http.getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer realm="stocksync-internal"');
    throw new UnauthorizedException({
      code: token === undefined ? 'AUTH.SERVICE_TOKEN_REQUIRED' : 'AUTH.SERVICE_TOKEN_INVALID',
      message: 'this route needs the service token (Authorization: Bearer <SERVICE_TOKEN>)',
    });
  }

  private accepts(token: string): boolean {
    const digest = createHash('sha256').update(token, 'utf8').digest();
    // Every entry is compared (no early exit), each in constant time.
    let ok = false;
    for (const hash of this.accepted) ok = timingSafeEqual(hash, digest) || ok;
    return ok;
  }
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer +(\S+) *$/i.exec(header ?? '');
  return match?.[1];
}

export interface RouteEntry {
  method: string;
  path: string;
}

/**
 * The routes an app serves, read from its HTTP adapter's router (Express), so a test can walk every route,
 * including one added after the test was written.
 */
export function routeTable(app: INestApplication): RouteEntry[] {
  const instance = app.getHttpAdapter().getInstance() as {
    router?: { stack: Layer[] };
    _router?: { stack: Layer[] };
  };
  const stack = (instance.router ?? instance._router)?.stack ?? [];
  const out: RouteEntry[] = [];
  for (const layer of stack) {
    if (!layer.route) continue;
    for (const [method, on] of Object.entries(layer.route.methods)) {
      if (on && method !== '_all') out.push({ method: method.toUpperCase(), path: layer.route.path });
    }
  }
  return out;
}

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
}
