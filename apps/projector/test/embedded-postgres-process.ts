import { spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * Runs startEmbeddedPostgres() (PGlite) in a child process: its WebAssembly is loaded through a dynamic import
 * that Jest's module sandbox refuses, while plain Node accepts it.
 */
export async function startEmbeddedPostgresProcess(
  timeoutMs = 60_000,
): Promise<{ url: string; stop(): Promise<void> }> {
  const script = `
    require('@libs/database').startEmbeddedPostgres().then((pg) => {
      process.stdout.write('URL ' + pg.url + '\\n');
      process.stdin.on('end', () => pg.stop().then(() => process.exit(0)));
      process.stdin.resume();
    }, (err) => { console.error(err); process.exit(1); });`;
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', '-e', script],
    { cwd: join(__dirname, '..', '..', '..'), stdio: ['pipe', 'pipe', 'inherit'] },
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
