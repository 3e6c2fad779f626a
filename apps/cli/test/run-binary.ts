import { spawn } from 'node:child_process';
import { join } from 'node:path';

const REPO_ROOT = join(__dirname, '..', '..', '..');

export interface BinaryResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The CLI's arguments to run it in a child process from its TypeScript sources, the same entry (`main()`) that
 * bin/stocksync.js calls in the compiled build. Sources, not dist/: a test must exercise the code it sits next to,
 * never a build left over from before (test/compiled-build.e2e.spec.ts runs bin/stocksync.js itself).
 */
export function cliFromSources(argv: string[]): string[] {
  // Resolved here: the child may run in another directory (init writes into its cwd), where `-r` finds nothing.
  return [
    '-r',
    require.resolve('ts-node/register/transpile-only'),
    '-r',
    require.resolve('tsconfig-paths/register'),
    join(REPO_ROOT, 'apps', 'cli', 'src', 'main.ts'),
    ...argv,
  ];
}

/** `stocksync <argv>` as an operator runs it: a child process seeing only the given environment. */
export function runBinary(argv: string[], env: Record<string, string>): Promise<BinaryResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, cliFromSources(argv), {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        TS_NODE_PROJECT: join(REPO_ROOT, 'tsconfig.json'),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
  });
}
