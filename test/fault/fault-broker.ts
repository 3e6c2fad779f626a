import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const SCRIPT = join(ROOT, 'deploy', 'local', 'kafka', 'kafka.sh');

/**
 * A Kafka broker of the suite's own (deploy/local/kafka on a port no other tier uses), because the scenarios
 * kill and pause it. Its data lives in a directory the suite names, so a restart after SIGKILL recovers the
 * same log, as a real broker's disk would.
 */
export class FaultBroker {
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'stocksync-fault-kafka-'));
  private paused = false;

  constructor(readonly port: number) {
    if (port === 19092) throw new Error('the fault suite never runs on the shared broker port 19092');
  }

  get brokers(): string[] {
    return [`127.0.0.1:${this.port}`];
  }

  private get env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      KAFKA_PORT: String(this.port),
      KAFKA_CONTROLLER_PORT: String(this.port + 1),
      KAFKA_DATA_DIR: this.dataDir,
      KAFKA_HEAP_OPTS: '-Xms256m -Xmx512m',
      KAFKA_STOP_TIMEOUT: '10',
    };
  }

  /** Starts it (or recovers it after a kill) and waits until it answers. */
  async start(): Promise<void> {
    await run('bash', [SCRIPT, 'start'], { env: this.env, cwd: ROOT, timeout: 150_000 });
  }

  /** The broker JVM's pid, from the script's pid file. */
  pid(): number {
    const file = join(ROOT, '.cache', 'kafka', `run-${this.port}`, 'broker.pid');
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no broker pid in ${file}`);
    return pid;
  }

  /** SIGKILL: the process is gone at once, with whatever it had not flushed. */
  async kill(): Promise<void> {
    const pid = this.pid();
    process.kill(pid, 'SIGKILL');
    const deadline = Date.now() + 10_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (alive(pid)) throw new Error(`broker pid ${pid} survived SIGKILL`);
  }

  pause(): void {
    process.kill(this.pid(), 'SIGSTOP');
    this.paused = true;
  }

  resume(): void {
    process.kill(this.pid(), 'SIGCONT');
    this.paused = false;
  }

  /** Stops it and deletes its data; a paused broker is resumed first so it can shut down. */
  async stop(): Promise<void> {
    try {
      if (this.paused) this.resume();
    } catch {
      // already gone
    }
    await run('bash', [SCRIPT, 'stop'], { env: this.env, cwd: ROOT, timeout: 60_000 }).catch(() => undefined);
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
