import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Principal } from './api-key';
import type { AuthenticatedRequest } from './api-key.guard';

/** The authenticated caller; its `name` is the actor of every command the request sends. */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a route without @Authenticated()');
  return principal;
});
