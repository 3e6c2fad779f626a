import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface EmbeddedServer {
  url: string;
  stop(): Promise<void>;
}

const ROOT = join(__dirname, '..', '..', '..');

/**
 * Runs startEmbeddedPostgres() in a child process: PGlite loads its WebAssembly through a dynamic import that
 * Jest's module sandbox refuses (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING_FLAG), while plain Node accepts it.
 */
export async function startEmbeddedPostgresProcess(timeoutMs = 60_000): Promise<EmbeddedServer> {
  const script = `
    require('@libs/database').startEmbeddedPostgres().then((pg) => {
      process.stdout.write('URL ' + pg.url + '\\n');
      process.stdin.on('end', () => pg.stop().then(() => process.exit(0)));
      process.stdin.resume();
    }, (err) => { console.error(err); process.exit(1); });`;
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', '-e', script],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('embedded PostgreSQL did not start in time')), timeoutMs);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /URL (\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`embedded PostgreSQL exited with ${code}`));
    });
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.stdin.end();
      }),
  };
}
