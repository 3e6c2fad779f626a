import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { type ConfigDefinition, loadAll } from './define-config';

const LOADED = Symbol('LOADED_CONFIG');

/**
 * Validates every namespace an app needs when the app is created, so a missing or invalid variable stops the
 * process at boot with one message naming each offending variable. Each config class is its own injection token.
 */
@Module({})
export class ConfigModule {
  static forRoot(definitions: ConfigDefinition<object>[], env: NodeJS.ProcessEnv = process.env): DynamicModule {
    const loaded: Provider = { provide: LOADED, useFactory: () => loadAll(definitions, env) };
    const perNamespace: Provider[] = definitions.map((d) => ({
      provide: d.schema,
      useFactory: (all: Map<Function, object>) => all.get(d.schema),
      inject: [LOADED],
    }));
    return {
      module: ConfigModule,
      global: true,
      providers: [loaded, ...perNamespace],
      exports: definitions.map((d) => d.schema),
    };
  }
}
