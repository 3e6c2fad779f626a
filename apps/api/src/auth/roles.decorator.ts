import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Role } from './api-key';
import { ApiKeyGuard } from './api-key.guard';

export const ROLES_KEY = 'stocksync:roles';

/**
 * The roles (besides admin, who may do everything) allowed on a route. A write route without @Roles is
 * admin-only: forgetting the decorator can never open a write to an analyst.
 */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

/** Every /v1 controller: an API key, the per-key rate limit and the role check. */
export const Authenticated = () =>
  applyDecorators(
    UseGuards(ApiKeyGuard),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'API.UNAUTHORIZED: no key, or an unknown or revoked key' }),
    ApiForbiddenResponse({ description: "API.FORBIDDEN: the key's role may not do this" }),
    ApiTooManyRequestsResponse({ description: 'API.RATE_LIMITED: over the per-key rate (see Retry-After)' }),
  );
