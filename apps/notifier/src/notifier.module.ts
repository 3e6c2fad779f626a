import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { MessagingModule, PlatformModule, ServiceTokenGuard } from '@libs/runtime';
import { AlertConsumers } from './alert.consumers';
import { notifierConfig } from './notifier.config';
import { NotifierHttpController } from './notifier.http.controller';
import { NotifierLifecycle, notifierProvider } from './notifier.providers';

@Module({
  imports: [
    PlatformModule.forApp({ name: 'notifier', defaultPort: 3005, config: [notifierConfig] }),
    MessagingModule.forRoot(),
  ],
  controllers: [AlertConsumers, NotifierHttpController],
  // Default deny: the intake and the test route need the service token; /health and /metrics do not.
  providers: [notifierProvider, NotifierLifecycle, { provide: APP_GUARD, useClass: ServiceTokenGuard }],
})
export class NotifierModule {}
