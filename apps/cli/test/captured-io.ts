import { Writable } from 'node:stream';
import type { CliIo } from '../src/main';
import type { OperationsContext } from '../src/operations.commands';

export interface CapturedIo {
  io: CliIo;
  stdout(): string;
  stderr(): string;
}

function collector(): { stream: Writable; text(): string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** The CLI's output kept in memory, with only the environment given (never the test process's own). */
export function capturedIo(env: NodeJS.ProcessEnv = {}): CapturedIo {
  const out = collector();
  const err = collector();
  return { io: { stdout: out.stream, stderr: err.stream, env }, stdout: out.text, stderr: err.text };
}

/**
 * Runs one API command (parsed from argv, run against the API at `apiUrl` with `apiKey`) with its output captured:
 * what the `stocksync <command> …` tests call. A usage error throws.
 */
export async function runApiCommand<C>(
  parse: (argv: string[]) => C | null,
  execute: (command: C, context: OperationsContext) => Promise<number>,
  api: { apiUrl: string; apiKey: string },
  argv: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const command = parse(argv);
  if (!command) throw new Error(`usage error: ${argv.join(' ')}`);
  const c = capturedIo();
  const context: OperationsContext = {
    ...api,
    reconcilerUrl: '',
    serviceToken: '',
    env: {},
    stdout: c.io.stdout,
    stderr: c.io.stderr,
  };
  const code = await execute(command, context);
  return { code, stdout: c.stdout(), stderr: c.stderr() };
}
