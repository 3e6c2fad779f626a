import { CardVault, CardVaultError, parseKeyring } from '@libs/card-vault';
import { createPool } from '@libs/database';

export interface VaultContext {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Stops the rotation after the batch in flight; the CLI binary wires it to SIGINT/SIGTERM. */
  signal?: AbortSignal;
}

export interface RotateArgs {
  batchSize: number;
  /** Stop after this many rows (a partial run); the next run continues. */
  limit?: number;
}

const REQUIRED = [
  'DATABASE_URL',
  'CARD_VAULT_KEYS',
  'CARD_VAULT_ACTIVE_KEY_ID',
  'CARD_VAULT_FINGERPRINT_KEY',
];

/** "N" as a positive integer, or undefined when it is not one. */
export function positiveInt(raw: string | undefined): number | undefined {
  if (raw === undefined || !/^[1-9][0-9]{0,8}$/.test(raw)) return undefined;
  return Number(raw);
}

/**
 * `vault rotate`: re-encrypts every card key under CARD_VAULT_ACTIVE_KEY_ID, one transaction per batch. The
 * keyring must still hold the retired keys (they decrypt the rows not moved yet). Rows already under the active
 * key are never read, so an interrupted run (Ctrl-C, a crash, --limit) is continued by running it again.
 * Exit 0 when no row is left under another key, 1 when some are (interrupted, limited, or undecryptable).
 */
export async function rotateVault(args: RotateArgs, c: VaultContext): Promise<number> {
  const missing = REQUIRED.filter((name) => !c.env[name]);
  if (missing.length > 0) {
    c.stderr.write(`not set: ${missing.join(', ')}\n`);
    return 2;
  }
  let vault: CardVault;
  const pool = createPool({
    url: c.env.DATABASE_URL!,
    max: 2,
    applicationName: 'stocksync-cli-vault-rotate',
  });
  try {
    try {
      vault = new CardVault(pool, {
        activeKeyId: c.env.CARD_VAULT_ACTIVE_KEY_ID!,
        keys: parseKeyring(c.env.CARD_VAULT_KEYS!),
        fingerprintKey: Buffer.from(c.env.CARD_VAULT_FINGERPRINT_KEY!, 'base64'),
      });
    } catch (error) {
      // The message names the key id, never key material.
      if (error instanceof CardVaultError) {
        c.stderr.write(`${error.code}: ${error.message}\n`);
        return 2;
      }
      throw error;
    }
    const active = c.env.CARD_VAULT_ACTIVE_KEY_ID!;
    const before = await vault.countByKey();
    const total = Math.min(await vault.notUnderActiveKey(), args.limit ?? Number.MAX_SAFE_INTEGER);
    c.stderr.write(`rows per key before: ${formatCounts(before)}; to re-encrypt under ${active}: ${total}\n`);
    const bar = progressBar(total, c.stderr);
    const result = await vault.rotate({
      batchSize: args.batchSize,
      maxRows: args.limit,
      signal: c.signal,
      onBatch: ({ reencrypted, failed }) => bar.update(reencrypted, failed),
    });
    bar.done();
    const after = await vault.countByKey();
    for (const f of result.failed.slice(0, 20)) c.stderr.write(`not re-encrypted: ${f.unitId} (${f.code})\n`);
    c.stdout.write(`${JSON.stringify({ activeKeyId: active, ...result, keys: after })}\n`);
    if (result.remaining === 0) {
      const retired = Object.keys(after).filter((id) => id !== active);
      c.stderr.write(
        `done: every card key is under ${active}` +
          (retired.length === 0 ? '; retired keys can leave CARD_VAULT_KEYS\n' : '\n'),
      );
      return 0;
    }
    c.stderr.write(
      `${result.remaining} row(s) still under another key` +
        (c.signal?.aborted ? ' (interrupted)' : '') +
        '; run `stocksync vault rotate` again to continue (rows already moved are skipped)\n',
    );
    return 1;
  } finally {
    await pool.end();
  }
}

function formatCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts);
  return entries.length === 0 ? 'none' : entries.map(([id, n]) => `${id}=${n}`).join(' ');
}

/** Redrawn in place on a terminal; on a pipe or a log, one plain line per committed batch. */
function progressBar(total: number, stderr: NodeJS.WritableStream) {
  const tty = (stderr as { isTTY?: boolean }).isTTY === true;
  const width = 30;
  return {
    update(done: number, failed: number) {
      const ratio = total > 0 ? Math.min(1, done / total) : 1;
      const filled = Math.round(ratio * width);
      const tail = failed > 0 ? `, ${failed} failed` : '';
      if (tty) {
        stderr.write(
          `\rre-encrypting [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(ratio * 100).toFixed(0)}% ${done}/${total}${tail}`,
        );
      } else {
        stderr.write(`re-encrypted ${done}/${total}${tail}\n`);
      }
    },
    done() {
      if (tty) stderr.write('\n');
    },
  };
}
