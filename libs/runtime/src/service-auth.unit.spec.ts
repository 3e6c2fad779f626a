import { UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ServiceAuthConfig } from '@libs/config';
import { ObservabilityController } from '@libs/observability';
import { hashServiceToken, ServiceTokenGuard, WithoutServiceToken } from './service-auth';

class InternalController {
  run() {}
}
@WithoutServiceToken()
class SignedWebhookController {
  receive() {}
}

function contextFor(controller: Function, handler: Function, authorization?: string) {
  const headers: Record<string, string> = {};
  const request = { headers: authorization === undefined ? {} : { authorization } };
  const response = { setHeader: (k: string, v: string) => (headers[k] = v) };
  const context = {
    getType: () => 'http',
    getClass: () => controller,
    getHandler: () => handler,
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }),
  } as unknown as ExecutionContext;
  return { context, headers };
}

const guardAccepting = (...tokens: string[]) =>
  new ServiceTokenGuard(
    Object.assign(new ServiceAuthConfig(), { tokenHashes: tokens.map(hashServiceToken) }),
    new Reflector(),
  );

describe('the service token guard', () => {
  it('hashes a token as lowercase hex SHA-256 of its UTF-8 bytes', () => {
    expect(hashServiceToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('given two accepted hashes (a rotation), when either token is sent, then the route runs', () => {
    const guard = guardAccepting('old-token', 'new-token');
    for (const token of ['old-token', 'new-token'])
      expect(
        guard.canActivate(
          contextFor(InternalController, InternalController.prototype.run, `Bearer ${token}`).context,
        ),
      ).toBe(true);
  });

  it('given no header, another scheme, a wrong token or no accepted hash at all, then 401 with a Bearer challenge', () => {
    const cases: [ServiceTokenGuard, string | undefined, string][] = [
      [guardAccepting('t'), undefined, 'AUTH.SERVICE_TOKEN_REQUIRED'],
      [guardAccepting('t'), 'Basic t', 'AUTH.SERVICE_TOKEN_REQUIRED'],
      [guardAccepting('t'), 'Bearer u', 'AUTH.SERVICE_TOKEN_INVALID'],
      [guardAccepting(), 'Bearer t', 'AUTH.SERVICE_TOKEN_INVALID'],
    ];
    for (const [guard, authorization, code] of cases) {
      const { context, headers } = contextFor(
        InternalController,
        InternalController.prototype.run,
        authorization,
      );
      let thrown: unknown;
      try {
        guard.canActivate(context);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(UnauthorizedException);
      expect((thrown as UnauthorizedException).getResponse()).toMatchObject({ code });
      expect(headers['WWW-Authenticate']).toMatch(/^Bearer /);
    }
  });

  it('lets health and metrics, and routes marked WithoutServiceToken, through without a token', () => {
    const guard = guardAccepting('t');
    expect(
      guard.canActivate(contextFor(ObservabilityController, ObservabilityController.prototype.live).context),
    ).toBe(true);
    expect(
      guard.canActivate(
        contextFor(SignedWebhookController, SignedWebhookController.prototype.receive).context,
      ),
    ).toBe(true);
  });
});
