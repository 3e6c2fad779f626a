import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** One line of the `.env` file: a generated secret, or (value '') something only the operator can supply. */
export interface EnvEntry {
  name: string;
  value: string;
}

export interface EnvSection {
  title: string;
  notes: string[];
  entries: EnvEntry[];
}

/** The connectors as docker-compose.yml names their variables: `${TAOBAO_APP_SECRET}` → CONNECTOR_APP_SECRET. */
export const COMPOSE_CHANNELS = [
  {
    prefix: 'TAOBAO',
    platform: 'Taobao open platform',
    appKey: true,
    generatedAppSecret: false,
    deliveryPage: true,
  },
  {
    prefix: 'PINDUODUO',
    platform: 'Pinduoduo open platform',
    appKey: true,
    generatedAppSecret: false,
    deliveryPage: true,
  },
  {
    prefix: 'MINIPROGRAM',
    platform: 'WeChat mini-program shop (access token)',
    appKey: false,
    generatedAppSecret: false,
    deliveryPage: true,
  },
  // The shop is the seller's own site: its API secret is shared between the two, so it can be made here.
  {
    prefix: 'SHOP',
    platform: "seller's own shop",
    appKey: false,
    generatedAppSecret: true,
    deliveryPage: false,
  },
] as const;

type Random = (bytes: number) => Buffer;

const key = (random: Random) => random(32).toString('base64');
const token = (random: Random) => random(32).toString('base64url');

/**
 * A fresh `.env` for docker-compose.yml: every secret StockSync generates itself (vault keys, fingerprint key,
 * admin API key, webhook secrets, service token) made here from the OS's CSPRNG, and every value only the
 * operator has (platform URLs and credentials) left empty, which docker compose refuses to start with.
 */
export function freshEnv(random: Random = randomBytes, now = new Date()): EnvSection[] {
  // A dated key id, so the next key (stocksync vault rotate) sorts after it in the keyring.
  const vaultKeyId = `k${now.toISOString().slice(0, 10).replace(/-/g, '')}`;
  const serviceToken = token(random);
  return [
    {
      title: 'PostgreSQL',
      notes: ["The postgres service's password; every app's DATABASE_URL is built from it."],
      entries: [{ name: 'POSTGRES_PASSWORD', value: token(random) }],
    },
    {
      title: 'Card vault (api and connectors)',
      notes: [
        'AES-256-GCM keyring id:base64 (add keys here when rotating; never remove one still in use), the active',
        'key id, and the HMAC key of secret fingerprints (duplicate detection). Back these up: lost keys = lost secrets.',
      ],
      entries: [
        { name: 'CARD_VAULT_KEYS', value: `${vaultKeyId}:${key(random)}` },
        { name: 'CARD_VAULT_ACTIVE_KEY_ID', value: vaultKeyId },
        { name: 'CARD_VAULT_FINGERPRINT_KEY', value: key(random) },
      ],
    },
    {
      title: 'Delivery links (Taobao, Pinduoduo and WeChat connectors)',
      notes: [
        "The HMAC key of the buyer's card-key delivery links. Rotating it voids the links not yet opened.",
      ],
      entries: [{ name: 'DELIVERY_LINK_SECRET', value: token(random) }],
    },
    {
      title: 'Operations API',
      notes: ['An admin API key kept only here (use it to create real keys, then remove it if you like).'],
      entries: [{ name: 'API_BOOTSTRAP_ADMIN_KEY', value: token(random) }],
    },
    {
      title: 'Upstream suppliers (api and connector-supplier)',
      notes: [
        'The suppliers (货源 / 主站) this installation buys from, as one JSON array, e.g.',
        '[{"id":"main-station","baseUrl":"https://…","appId":"…","secret":"…","pollIntervalMs":300000}]',
        '(apps/connector-supplier/README.md). [] for none: catalogue syncs and dropship are then off.',
      ],
      entries: [{ name: 'SUPPLIERS', value: '[]' }],
    },
    {
      title: 'Service tokens (internal routes)',
      notes: [
        'The token the api, the reconciler and the CLI (STOCKSYNC_SERVICE_TOKEN) send to internal routes, and its',
        'SHA-256, which is all the serving apps keep. Rotate: add the new hash (comma list), switch the token, drop the old hash.',
      ],
      entries: [
        { name: 'SERVICE_TOKEN', value: serviceToken },
        { name: 'SERVICE_TOKEN_HASHES', value: createHash('sha256').update(serviceToken).digest('hex') },
      ],
    },
    ...COMPOSE_CHANNELS.map((c) => ({
      title: `connector-${c.prefix.toLowerCase()}: ${c.platform}`,
      notes: [
        'Fill in the platform URL and credentials from the platform console; docker compose stops until they are set.',
        'The webhook secret is the one the platform signs its notices with: register it there (comma list while rotating).',
      ],
      entries: [
        { name: `${c.prefix}_PLATFORM_URL`, value: '' },
        ...(c.appKey ? [{ name: `${c.prefix}_APP_KEY`, value: '' }] : []),
        { name: `${c.prefix}_APP_SECRET`, value: c.generatedAppSecret ? token(random) : '' },
        { name: `${c.prefix}_WEBHOOK_SECRETS`, value: token(random) },
        // The public URL of the connector's buyer page (card keys on marketplaces go out as a link to it).
        ...(c.deliveryPage ? [{ name: `${c.prefix}_DELIVERY_PAGE_URL`, value: '' }] : []),
      ],
    })),
  ];
}

export function renderEnv(sections: EnvSection[]): string {
  const lines = [
    '# StockSync secrets for docker-compose.yml, written by `npx stocksync init`. Keep this file private (mode 0600)',
    '# and out of version control. Empty values are yours to fill in; docker compose refuses to start without them.',
  ];
  for (const s of sections) {
    lines.push('', `# --- ${s.title} ---`, ...s.notes.map((n) => `# ${n}`));
    for (const e of s.entries) lines.push(`${e.name}=${e.value}`);
  }
  return lines.join('\n') + '\n';
}

/** Parses the KEY=value lines of a `.env` file (comments and blank lines skipped). */
export function parseEnvFile(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

export interface InitIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  cwd: string;
}

/** `stocksync init [--force] [--file <path>]`: 0 written, 1 refused (the file exists), 2 usage. */
export function initCommand(args: string[], io: InitIo): number {
  let file = '.env';
  let force = false;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--force') force = true;
    else if (args[i] === '--file' && args[i + 1]) file = args[++i]!;
    else {
      io.stderr.write(`init: unknown argument ${JSON.stringify(args[i])}\n`);
      return 2;
    }
  }
  const path = resolve(io.cwd, file);
  const sections = freshEnv();
  try {
    // 'wx' refuses an existing file atomically: its keys may already encrypt secrets nobody can read without them.
    writeFileSync(path, renderEnv(sections), { mode: 0o600, flag: force ? 'w' : 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    io.stderr.write(
      `${path} already exists: not overwritten (its vault keys may be the only way to read stored card keys). ` +
        'Use --force to replace it.\n',
    );
    return 1;
  }
  // An existing file overwritten with --force keeps its old mode unless set again.
  chmodSync(path, 0o600);
  const entries = sections.flatMap((s) => s.entries);
  const toFill = entries.filter((e) => e.value === '').map((e) => e.name);
  io.stdout.write(
    `wrote ${path} (mode 0600) with ${entries.length - toFill.length} fresh secrets\n` +
      (toFill.length > 0 ? `fill in before \`docker compose up\`: ${toFill.join(', ')}\n` : ''),
  );
  return 0;
}
