import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  Controller,
  type DynamicModule,
  Get,
  HttpStatus,
  Logger,
  Module,
  type OnModuleInit,
  Res,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ServeStaticModule } from '@nestjs/serve-static';
import type { Response } from 'express';

/** Where the console is served: the built single-page app (npm run build:console → dist/console). */
export const CONSOLE_PATH = '/console';

/**
 * The console's files are static and public (the key is typed into the page and sent only to /v1), so they need
 * no authentication; what they may load is pinned here: this origin only, no inline script, no framing.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The built console: CONSOLE_DIR when set, else the first `dist/console` holding an index.html found walking up
 * from this file (the repository when run from sources, /srv in the image where dist/ sits beside package.json).
 */
export function consoleDirectory(env: NodeJS.ProcessEnv = process.env, from = __dirname): string | null {
  if (env.CONSOLE_DIR)
    return existsSync(join(env.CONSOLE_DIR, 'index.html')) ? resolve(env.CONSOLE_DIR) : null;
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'dist', 'console');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

function setHeaders(response: Response, path: string): void {
  response.setHeader('Content-Security-Policy', CONSOLE_CSP);
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('Referrer-Policy', 'no-referrer');
  // Assets carry a content hash in their names and never change; index.html names the current ones.
  response.setHeader(
    'Cache-Control',
    path.endsWith('index.html') ? 'no-cache' : 'public, max-age=31536000, immutable',
  );
}

/** Without a build the path says so with a stable code, rather than a bare 404 or an empty page. */
@ApiExcludeController()
@Controller('console')
class ConsoleNotBuiltController {
  @Get(['', '*path'])
  notBuilt(@Res() response: Response): void {
    response.status(HttpStatus.NOT_FOUND).json({
      code: 'CONSOLE.NOT_BUILT',
      message:
        'the operations console is not built: run `npm run build` (or set CONSOLE_DIR to a built console)',
    });
  }
}

@Module({})
class ConsoleNotBuiltModule implements OnModuleInit {
  onModuleInit(): void {
    new Logger('Console').warn(
      `no built console found (CONSOLE_DIR or dist/console): ${CONSOLE_PATH} answers CONSOLE.NOT_BUILT`,
    );
  }
}

/** Serves the operations console (apps/console) under /console from the api app. */
@Module({})
export class ConsoleModule {
  static register(directory = consoleDirectory()): DynamicModule {
    if (!directory) {
      return {
        module: ConsoleModule,
        imports: [ConsoleNotBuiltModule],
        controllers: [ConsoleNotBuiltController],
      };
    }
    return {
      module: ConsoleModule,
      imports: [
        ServeStaticModule.forRoot({
          rootPath: directory,
          serveRoot: CONSOLE_PATH,
          // Pages live in the URL's fragment: every file is a real one, nothing else under /console is a page.
          renderPath: '/',
          serveStaticOptions: { index: ['index.html'], fallthrough: false, setHeaders },
        }),
      ],
    };
  }
}
