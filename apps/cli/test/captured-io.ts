import { Writable } from 'node:stream';
import type { CliIo } from '../src/main';

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
