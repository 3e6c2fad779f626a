import { type CanActivate, type ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ApiConfig } from '../api.config';
import { ApiError } from '../common/api-error';
import { ApiMetrics } from '../common/api-metrics';
import type { Principal, Role } from './api-key';
import { AuthService } from './auth.service';
import { TokenBucketRateLimiter } from './rate-limiter';
import { ROLES_KEY } from './roles.decorator';

export interface AuthenticatedRequest extends Request {
  principal?: Principal;
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function presentedKey(request: Request): string | null {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match) return match[1];
  }
  const apiKey = request.headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey.length > 0 ? apiKey : null;
}

/**
 * The source a failed authentication is counted against: the peer address (IPv4, or an IPv6 /64, which one host
 * usually holds whole). Behind a proxy that is the proxy; set Express `trust proxy` there.
 */
export function sourceOf(address: string | undefined): string {
  if (!address) return 'unknown';
  const v4 = /^(?:::ffff:)?(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (v4) return v4[1];
  if (!address.includes(':')) return address;
  const [head, tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::')
    ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => (parseInt(g, 16) || 0).toString(16))
    .join(':')}::/64`;
}

/**
 * Answers 429 to a source that has used its failed authentications, before the key is looked at; authenticates
 * the key (a failure costs the source a token), applies the key's rate limit, then checks its role.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly limiter: TokenBucketRateLimiter;
  private readonly failures: TokenBucketRateLimiter;

  constructor(
    private readonly auth: AuthService,
    private readonly reflector: Reflector,
    private readonly metrics: ApiMetrics,
    config: ApiConfig,
  ) {
    this.limiter = new TokenBucketRateLimiter(config.rateLimitPerSecond, config.rateLimitBurst);
    this.failures = new TokenBucketRateLimiter(config.authFailuresPerMinute / 60, config.authFailureBurst);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const source = sourceOf(request.ip ?? request.socket.remoteAddress);
    const standing = this.failures.peek(source);
    if (!standing.allowed) {
      this.metrics.authFailures.inc({ reason: 'source_limited' });
      throw this.rateLimited(standing.retryAfterSeconds, 'too many failed authentications from this address');
    }
    const key = presentedKey(request);
    if (!key) {
      this.metrics.authFailures.inc({ reason: 'missing' });
      this.failures.take(source);
      throw new ApiError(
        HttpStatus.UNAUTHORIZED,
        'API.UNAUTHORIZED',
        'an API key is required (Authorization: Bearer <key>)',
      );
    }
    const principal = await this.auth.authenticate(key);
    if (!principal) {
      this.metrics.authFailures.inc({ reason: 'invalid' });
      this.failures.take(source);
      throw new ApiError(HttpStatus.UNAUTHORIZED, 'API.UNAUTHORIZED', 'unknown or revoked API key');
    }
    const decision = this.limiter.take(principal.keyId);
    if (!decision.allowed) {
      this.metrics.rateLimited.inc();
      throw this.rateLimited(decision.retryAfterSeconds, 'rate limit exceeded');
    }
    request.principal = principal;

    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (principal.role === 'admin') return true;
    const isRead = READ_METHODS.has(request.method.toUpperCase());
    const allowed = roles ? roles.includes(principal.role) : isRead;
    if (!allowed) {
      this.metrics.authFailures.inc({ reason: 'forbidden' });
      throw new ApiError(
        HttpStatus.FORBIDDEN,
        'API.FORBIDDEN',
        `role ${principal.role} may not ${request.method} ${request.route?.path ?? request.path}`,
      );
    }
    return true;
  }

  private rateLimited(retryAfterSeconds: number, why: string): ApiError {
    return new ApiError(
      HttpStatus.TOO_MANY_REQUESTS,
      'API.RATE_LIMITED',
      `${why}; retry in ${retryAfterSeconds} s`,
      { retryAfterSeconds },
      { 'Retry-After': String(retryAfterSeconds) },
    );
  }
}
