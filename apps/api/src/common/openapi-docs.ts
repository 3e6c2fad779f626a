import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ApplicationConfig, HttpAdapterHost, ModulesContainer } from '@nestjs/core';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

/**
 * Serves the OpenAPI document and Swagger UI at /docs (JSON at /docs-json). The shared startApp() creates and
 * starts every app the same way, so the API registers its docs from inside its module: onModuleInit runs after
 * the routes are registered and before the not-found handler, and the document is built on first request, when
 * every controller is known. The object handed to SwaggerModule offers the few members it reads from an app.
 */
@Injectable()
export class OpenApiDocs implements OnModuleInit {
  private document?: OpenAPIObject;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly modules: ModulesContainer,
    private readonly appConfig: ApplicationConfig,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (!adapter || adapter.getType() !== 'express') return;
    const modules = this.modules;
    const app = {
      container: { getModules: () => modules, isGlobalModule: () => false },
      config: this.appConfig,
      getHttpAdapter: () => adapter,
      useStaticAssets: (path: string, options: object) =>
        (adapter as unknown as { useStaticAssets(p: string, o: object): void }).useStaticAssets(
          path,
          options,
        ),
    } as unknown as Parameters<typeof SwaggerModule.setup>[1];
    SwaggerModule.setup('docs', app, () => (this.document ??= this.build(app)));
  }

  private build(app: Parameters<typeof SwaggerModule.createDocument>[0]): OpenAPIObject {
    const config = new DocumentBuilder()
      .setTitle('StockSync operations API')
      .setDescription(
        'SKUs, channel policies, dedicated pools, adjustments, reservations, alerts and card-key import. ' +
          'Every /v1 route needs an API key (Authorization: Bearer <key>); errors are { code, message, details? } ' +
          'with stable codes: API.VALIDATION_FAILED, API.UNAUTHORIZED, API.FORBIDDEN, API.RATE_LIMITED, API.NOT_FOUND, ' +
          'API.CONFLICT, INVENTORY.<REASON> for refusals by the inventory, IMPORT.* for import files.',
      )
      .setVersion('1')
      .addBearerAuth()
      .build();
    return SwaggerModule.createDocument(app, config);
  }
}
