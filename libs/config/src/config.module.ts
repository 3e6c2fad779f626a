import { type DynamicModule, Module, type Provider, type Type } from '@nestjs/common';
import { type ConfigDefinition, loadAll } from './define-config';

const LOADED = Symbol('LOADED_CONFIG');

/** The namespaces each ConfigModule.forRoot was given, so they can be found from an app's module tree. */
const DEFINITIONS = new WeakMap<object, ConfigDefinition<object>[]>();

/**
 * Validates every namespace an app needs when the app is created, so a missing or invalid variable stops the
 * process at boot with one message naming each offending variable. Each config class is its own injection token.
 */
@Module({})
export class ConfigModule {
  static forRoot(
    definitions: ConfigDefinition<object>[],
    env: NodeJS.ProcessEnv = process.env,
  ): DynamicModule {
    const loaded: Provider = { provide: LOADED, useFactory: () => loadAll(definitions, env) };
    const perNamespace: Provider[] = definitions.map((d) => ({
      provide: d.schema,
      useFactory: (all: Map<Function, object>) => all.get(d.schema),
      inject: [LOADED],
    }));
    const module: DynamicModule = {
      module: ConfigModule,
      global: true,
      providers: [loaded, ...perNamespace],
      exports: definitions.map((d) => d.schema),
    };
    DEFINITIONS.set(module, definitions);
    return module;
  }
}

type ModuleRef = Type<unknown> | DynamicModule | Promise<DynamicModule> | { forwardRef: () => unknown };

/**
 * Every configuration namespace an app module reads, found by walking its imports: what the app validates at
 * boot, so a process can check it before anything starts and tools (the compose check) can list what an app needs.
 */
export function configDefinitionsOf(root: Type<unknown> | DynamicModule): ConfigDefinition<object>[] {
  const found = new Map<ConfigDefinition<object>['schema'], ConfigDefinition<object>>();
  const seen = new Set<unknown>();
  const visit = (ref: ModuleRef | undefined): void => {
    if (!ref || seen.has(ref) || ref instanceof Promise || 'forwardRef' in ref) return;
    seen.add(ref);
    for (const d of DEFINITIONS.get(ref) ?? []) if (!found.has(d.schema)) found.set(d.schema, d);
    const type = 'module' in ref ? ref.module : ref;
    const imports = [
      ...((Reflect.getMetadata('imports', type) as ModuleRef[] | undefined) ?? []),
      ...('module' in ref ? ((ref.imports as ModuleRef[] | undefined) ?? []) : []),
    ];
    for (const i of imports) visit(i);
  };
  visit(root);
  return [...found.values()];
}
