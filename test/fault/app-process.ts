import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../service-process';

const ROOT = join(__dirname, '..', '..');

/** Children still running when the test process exits (a crashed run) are killed by pid, never left behind. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) if (child.pid) process.kill(child.pid, 'SIGKILL');
});

/**
 * One app run as deployed (its own main.ts in a child process) that a scenario can kill with any signal and
 * start again on the same port. Its output goes to a file under .cache/fault-logs, kept for a failed run.
 */
export class AppProcess {
  private child?: ChildProcess;
  private exited?: Promise<number | null>;
  private exitCode?: number | null;
  private log?: WriteStream;
  private tail = '';
  private starts = 0;
  readonly url: string;

  private constructor(
    readonly name: string,
    readonly app: string,
    private readonly env: Record<string, string>,
    private readonly port: number,
    private readonly logDir: string,
    private readonly nodeArgs: readonly string[],
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  static async create(
    name: string,
    app: string,
    env: Record<string, string>,
    logDir: string,
    /** Flags for node itself (a benchmark's `--cpu-prof`), which NODE_OPTIONS does not take. */
    nodeArgs: readonly string[] = [],
  ): Promise<AppProcess> {
    return new AppProcess(name, app, env, await freePort(), logDir, nodeArgs);
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return this.child !== undefined && this.exitCode === undefined;
  }

  /** Starts the process (a no-op while it runs); `ready` waits for it. */
  start(): void {
    if (this.running) return;
    mkdirSync(this.logDir, { recursive: true });
    this.starts += 1;
    this.log = createWriteStream(join(this.logDir, `${this.name}.log`), { flags: 'a' });
    this.log.write(`\n==== start ${this.starts} at ${new Date().toISOString()}\n`);
    const child = spawn(
      process.execPath,
      [
        ...this.nodeArgs,
        '-r',
        'ts-node/register/transpile-only',
        '-r',
        'tsconfig-paths/register',
        `apps/${this.app}/src/main.ts`,
      ],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          TS_NODE_PROJECT: 'tsconfig.json',
          ...this.env,
          HTTP_HOST: '127.0.0.1',
          HTTP_PORT: String(this.port),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    live.add(child);
    this.exitCode = undefined;
    const keep = (b: Buffer) => {
      const text = b.toString('utf8');
      this.log?.write(text);
      this.tail = (this.tail + text).slice(-4000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exitCode = code ?? -1;
        live.delete(child);
        this.log?.write(`\n==== exit ${code ?? signal} at ${new Date().toISOString()}\n`);
        resolve(code);
      }),
    );
  }

  /** Polls /health/ready until 200; fails at once if the process exits first. */
  async ready(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && this.running) {
      if ((await this.probe('/health/ready')) === 200) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(
      `${this.name} ${this.running ? `not ready within ${timeoutMs} ms` : `exited with ${this.exitCode}`}:\n${this.tail.slice(-2000)}`,
    );
  }

  async probe(path: string): Promise<number> {
    return fetch(`${this.url}${path}`, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.status,
      () => 0,
    );
  }

  /** Sends a signal and, for one that ends the process, waits until it is gone. */
  async kill(signal: NodeJS.Signals): Promise<void> {
    if (!this.running) return;
    this.child!.kill(signal);
    if (signal === 'SIGKILL' || signal === 'SIGTERM') await this.exited;
  }

  /** SIGTERM, then SIGKILL if it has not exited within the bound. Safe to call when not running. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGCONT');
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
    await new Promise<void>((resolve) => (this.log ? this.log.end(resolve) : resolve()));
  }

  output(): string {
    return this.tail;
  }
}
