import 'reflect-metadata';
import { may, type Action } from '../apps/console/src/permissions';
import { ROLES, type Role } from '../apps/api/src/auth/api-key';
import { DeadLettersHttpController } from '../apps/api/src/dead-letters/dead-letters.http.controller';
import { ApiKeysHttpController } from '../apps/api/src/auth/api-keys.http.controller';
import { ROLES_KEY } from '../apps/api/src/auth/roles.decorator';
import { ImportCardKeysHttpController } from '../apps/api/src/card-keys/import-card-keys.http.controller';
import { ImportCatalogueHttpController } from '../apps/api/src/catalogue/import-catalogue.http.controller';
import { CatalogueSyncsHttpController } from '../apps/api/src/catalogue-syncs/catalogue-syncs.http.controller';
import { SetChannelPolicyHttpController } from '../apps/api/src/channel-policies/set-channel-policy.http.controller';
import { OrderActionsHttpController } from '../apps/api/src/orders/order-actions.http.controller';
import { ProjectionQuarantineHttpController } from '../apps/api/src/projection-quarantine/projection-quarantine.http.controller';
import { ReconciliationsHttpController } from '../apps/api/src/reconciliations/reconciliations.http.controller';
import { ChangeSkuSettingsHttpController } from '../apps/api/src/skus/change-sku-settings.http.controller';
import { ReceiveStockHttpController } from '../apps/api/src/skus/receive-stock.http.controller';
import {
  OrderTicketsHttpController,
  TicketsHttpController,
} from '../apps/api/src/tickets/tickets.http.controller';

type Route = [controller: { prototype: object }, method: string];

/** Every write the console offers, by the routes it calls. */
const ROUTES: Record<Action, Route[]> = {
  manageSkus: [
    [ChangeSkuSettingsHttpController, 'change'],
    [SetChannelPolicyHttpController, 'put'],
    [ReceiveStockHttpController, 'receive'],
  ],
  importCardKeys: [[ImportCardKeysHttpController, 'import']],
  importCatalogue: [[ImportCatalogueHttpController, 'import']],
  syncCatalogue: [
    [CatalogueSyncsHttpController, 'start'],
    [CatalogueSyncsHttpController, 'apply'],
  ],
  runReconciliation: [[ReconciliationsHttpController, 'runNow']],
  retryProjection: [[ProjectionQuarantineHttpController, 'retry']],
  replayDeadLetter: [[DeadLettersHttpController, 'replay']],
  refundOrder: [[OrderActionsHttpController, 'refund']],
  deliverOrder: [
    [OrderActionsHttpController, 'redeliver'],
    [OrderActionsHttpController, 'replace'],
    [OrderActionsHttpController, 'allocate'],
  ],
  handleTickets: [
    [OrderTicketsHttpController, 'open'],
    [TicketsHttpController, 'addEvent'],
  ],
  manageApiKeys: [
    [ApiKeysHttpController, 'create'],
    [ApiKeysHttpController, 'revoke'],
  ],
};

/** The roles a route allows, as the API's guard reads them (the method's @Roles, else the controller's). */
function routeRoles([controller, method]: Route): Role[] {
  const handler = (controller.prototype as Record<string, unknown>)[method];
  const roles =
    (Reflect.getMetadata(ROLES_KEY, handler as object) as Role[] | undefined) ??
    (Reflect.getMetadata(ROLES_KEY, controller) as Role[] | undefined);
  if (!roles) throw new Error(`${controller.constructor.name}.${method} declares no @Roles`);
  return roles;
}

describe("the console's controls follow the API's roles", () => {
  it.each(Object.keys(ROUTES) as Action[])('%s is shown exactly to the roles its routes allow', (action) => {
    for (const route of ROUTES[action]) {
      const allowed = routeRoles(route);
      for (const role of ROLES) {
        expect({ action, route: route[1], role, shown: may(role, action) }).toEqual({
          action,
          route: route[1],
          role,
          shown: role === 'admin' || allowed.includes(role),
        });
      }
    }
  });
});
