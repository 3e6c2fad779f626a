import type { Provider } from '@nestjs/common';
import { AlertPublisher, MessageBus } from '@libs/messaging';
import { ReplenishmentMetrics } from './replenishment.metrics';
import { REPLENISHMENT_ALERTS, ReplenishmentService } from './replenishment.service';

/** What the api module adds for the replenishment forecast (its controller is listed with the others). */
export const replenishmentProviders: Provider[] = [
  ReplenishmentMetrics,
  {
    provide: REPLENISHMENT_ALERTS,
    useFactory: (bus: MessageBus) => new AlertPublisher(bus),
    inject: [MessageBus],
  },
  ReplenishmentService,
];
