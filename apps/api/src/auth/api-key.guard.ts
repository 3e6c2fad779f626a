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

/** Authenticates the key, applies its rate limit, then checks its role against the route. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly limiter: TokenBucketRateLimiter;

  constructor(
    private readonly auth: AuthService,
    private readonly reflector: Reflector,
    private readonly metrics: ApiMetrics,
    config: ApiConfig,
  ) {
    this.limiter = new TokenBucketRateLimiter(config.rateLimitPerSecond, config.rateLimitBurst);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const key = presentedKey(request);
    if (!key) {
      this.metrics.authFailures.inc({ reason: 'missing' });
      throw new ApiError(
        HttpStatus.UNAUTHORIZED,
        'API.UNAUTHORIZED',
        'an API key is required (Authorization: Bearer <key>)',
      );
    }
    const principal = await this.auth.authenticate(key);
    if (!principal) {
      this.metrics.authFailures.inc({ reason: 'invalid' });
      throw new ApiError(HttpStatus.UNAUTHORIZED, 'API.UNAUTHORIZED', 'unknown or revoked API key');
    }
    const decision = this.limiter.take(principal.keyId);
    if (!decision.allowed) {
      this.metrics.rateLimited.inc();
      throw new ApiError(
        HttpStatus.TOO_MANY_REQUESTS,
        'API.RATE_LIMITED',
        `rate limit exceeded; retry in ${decision.retryAfterSeconds} s`,
        { retryAfterSeconds: decision.retryAfterSeconds },
        { 'Retry-After': String(decision.retryAfterSeconds) },
      );
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
}
