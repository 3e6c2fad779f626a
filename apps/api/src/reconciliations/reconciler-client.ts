import { HttpStatus, Injectable } from '@nestjs/common';
import { ServiceAuthConfig } from '@libs/config';
import { serviceAuthHeaders } from '@libs/runtime';
import { ApiConfig } from '../api.config';
import { ApiError } from '../common/api-error';

/**
 * Starts a run on the reconciler app, which holds the platform credentials; the operations API only asks it and
 * answers with the summary it returns. The reconciler's routes need the service token (SERVICE_TOKEN).
 */
@Injectable()
export class ReconcilerClient {
  constructor(
    private readonly config: ApiConfig,
    private readonly auth: ServiceAuthConfig,
  ) {}

  async runNow(): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${this.config.reconcilerUrl}/v1/reconciliations`, {
        method: 'POST',
        headers: serviceAuthHeaders(this.auth.token),
        signal: AbortSignal.timeout(this.config.reconcilerTimeoutMs),
      });
    } catch (error) {
      throw new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'RECONCILIATION.RECONCILER_UNAVAILABLE',
        `the reconciler at ${this.config.reconcilerUrl} did not answer (${(error as Error).name})`,
      );
    }
    const body = (await response.json().catch(() => ({}))) as unknown;
    if (!response.ok) {
      throw new ApiError(
        HttpStatus.BAD_GATEWAY,
        'RECONCILIATION.RUN_FAILED',
        `the reconciler answered ${response.status}`,
        body,
      );
    }
    return body;
  }
}
