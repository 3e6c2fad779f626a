import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { MessagingModule, PlatformModule, ServiceTokenGuard } from '@libs/runtime';
import { AlertConsumers } from './alert.consumers';
import { diversionConfig } from './diversion/diversion.config';
import { DiversionConsumer } from './diversion/diversion.consumer';
import { DiversionService } from './diversion/diversion.service';
import { notifierConfig } from './notifier.config';
import { NotifierHttpController } from './notifier.http.controller';
import { NotifierLifecycle, notifierProvider } from './notifier.providers';

@Module({
  imports: [
    PlatformModule.forApp({ name: 'notifier', defaultPort: 3005, config: [notifierConfig, diversionConfig] }),
    MessagingModule.forRoot(),
  ],
  // The 串货 rule engine reads order notices in its own group (apps/notifier/src/diversion).
  controllers: [AlertConsumers, NotifierHttpController, DiversionConsumer],
  // Default deny: the intake and the test route need the service token; /health and /metrics do not.
  providers: [
    notifierProvider,
    NotifierLifecycle,
    DiversionService,
    { provide: APP_GUARD, useClass: ServiceTokenGuard },
  ],
})
export class NotifierModule {}
