import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

/** One captured chunk of a service's output, in arrival order. */
export interface CapturedOutput {
  app: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** An app started from its own main in a child process, as it is deployed, with all its output kept. */
export interface ServiceProcess {
  app: string;
  url: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): CapturedOutput[];
  /** Waits until /health/ready answers 200; fails at once if the process exits first. */
  ready(timeoutMs: number): Promise<void>;
  /** SIGTERM (the app's shutdown hooks run and log too), SIGKILL if it does not exit in time. */
  stop(timeoutMs?: number): Promise<void>;
  /** SIGKILL at once, as a crash: no shutdown hook runs. Resolves once the process is gone. */
  kill(): Promise<void>;
}

/** A port that was free a moment ago: the app's main.ts reports no address, so the test chooses it. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * `sources` (the default) runs apps/<app>/src/main.ts through ts-node, so a test exercises the code next to it;
 * `dist` runs the compiled apps/<app>/src/main.js with plain node, as the production image does (`npm run build`
 * first: test/compiled-build.e2e.spec.ts).
 */
export type ServiceSource = 'sources' | 'dist';

export async function startServiceProcess(
  app: string,
  env: Record<string, string>,
  from: ServiceSource = 'sources',
): Promise<ServiceProcess> {
  const port = await freePort();
  const args =
    from === 'dist'
      ? [`dist/apps/${app}/src/main.js`]
      : ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', `apps/${app}/src/main.ts`];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      TS_NODE_PROJECT: 'tsconfig.json',
      ...env,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: CapturedOutput[] = [];
  child.stdout!.on('data', (b: Buffer) => chunks.push({ app, stream: 'stdout', text: b.toString('utf8') }));
  child.stderr!.on('data', (b: Buffer) => chunks.push({ app, stream: 'stderr', text: b.toString('utf8') }));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code ?? -1));
  const url = `http://127.0.0.1:${port}`;

  return {
    app,
    url,
    output: () => [...chunks],
    async ready(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (exitCode !== undefined) break;
        const status = await fetch(`${url}/health/ready`).then(
          (r) => r.status,
          () => 0,
        );
        if (status === 200) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      const tail = chunks
        .map((c) => c.text)
        .join('')
        .slice(-2000);
      throw new Error(
        exitCode !== undefined
          ? `${app} exited with ${exitCode} before it was ready:\n${tail}`
          : `${app} was not ready within ${timeoutMs} ms:\n${tail}`,
      );
    },
    async stop(timeoutMs = 10_000) {
      if (exitCode !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (exitCode !== undefined) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}
