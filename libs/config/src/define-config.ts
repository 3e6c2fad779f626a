import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ConfigError } from './config-error';

type Env = Record<string, string | undefined>;
type Parser = 'string' | 'int' | 'number' | 'boolean' | 'list';

export interface VariableSpec {
  /** The environment variable, named in every error so an operator knows what to fix. */
  name: string;
  parse?: Parser;
  default?: string;
  /** A secret's value is never echoed back in an error. */
  secret?: boolean;
  /**
   * Required unless STOCKSYNC_EMBEDDED=1: without it an app would have to fall back on an embedded stand-in
   * (PGlite, a simulated platform), which only the embedded mode may do.
   */
  requiredUnlessEmbedded?: boolean;
  /** The value in embedded mode when the variable is unset (production has none: see requiredUnlessEmbedded). */
  embeddedDefault?: string;
  /** How `stocksync init` makes a fresh value for this secret; unset: the operator supplies it. */
  generate?: SecretKind;
  /** Other variables (any namespace) that must be set when this one is, e.g. the token to call what it names. */
  requires?: string[];
}

/**
 * Fresh secrets `stocksync init` can make: `key` 32 random bytes in base64 (AES-256, HMAC keys), `keyring` one
 * such key as `id:base64` (CARD_VAULT_KEYS), `token` 32 random bytes in base64url (API keys, webhook and service
 * secrets), `sha256Of` the lowercase hex SHA-256 of another generated variable (a server keeps only the hash).
 */
export type SecretKind = 'key' | 'keyring' | 'token' | { sha256Of: string };

/** Variables that belong together (a credential or key group): all of them set, or none. */
export interface VariableGroup<T> {
  label: string;
  keys: (keyof T & string)[];
}

export interface ConfigDefinition<T extends object> {
  namespace: string;
  schema: new () => T;
  variables: { [K in keyof T]: VariableSpec };
  /** Keys of `variables` (plain strings, so a definition of any T is a ConfigDefinition<object>). */
  allOrNone: { label: string; keys: string[] }[];
}

/** STOCKSYNC_EMBEDDED=1 (npm start, tests that ask for it): the only mode with embedded stand-ins. */
export const EMBEDDED_FLAG = 'STOCKSYNC_EMBEDDED';

export function isEmbeddedMode(env: Env = process.env): boolean {
  return /^(1|true|yes)$/i.test(env[EMBEDDED_FLAG]?.trim() ?? '');
}

/** One namespace of configuration: its class (validated with class-validator) and the variables feeding it. */
export function defineConfig<T extends object>(
  namespace: string,
  schema: new () => T,
  variables: { [K in keyof T]: VariableSpec },
  options: { allOrNone?: VariableGroup<T>[] } = {},
): ConfigDefinition<T> {
  return { namespace, schema, variables, allOrNone: options.allOrNone ?? [] };
}

export function loadConfig<T extends object>(definition: ConfigDefinition<T>, env: Env = process.env): T {
  const problems: string[] = [];
  const raw: Record<string, unknown> = {};
  const embedded = isEmbeddedMode(env);
  const isSet = (spec: VariableSpec) => env[spec.name] !== undefined && env[spec.name] !== '';
  const specs = definition.variables as Record<string, VariableSpec>;
  // Reported, not checked again below: class-validator would only say "is required" without the reason.
  const reported = new Set<string>();
  for (const [key, spec] of Object.entries(specs)) {
    if (spec.requiredUnlessEmbedded && !embedded && !isSet(spec)) {
      problems.push(`${spec.name}: is required (${EMBEDDED_FLAG}=1 runs the embedded demo without it)`);
      reported.add(key);
    }
  }
  for (const group of definition.allOrNone) {
    const members = group.keys.map((k) => specs[k]!);
    const missing = members.filter((m) => !isSet(m));
    if (missing.length === 0 || missing.length === members.length) continue;
    const given = members.filter(isSet).map((m) => m.name);
    const all = members.map((m) => m.name).join(', ');
    for (const m of missing) {
      problems.push(
        `${m.name}: is required with ${given.join(', ')} (${group.label}: set all of ${all}, or none)`,
      );
      reported.add(group.keys[members.indexOf(m)]!);
    }
  }
  for (const spec of Object.values(specs)) {
    if (!isSet(spec)) continue;
    const absent = (spec.requires ?? []).filter((name) => env[name] === undefined || env[name] === '');
    for (const name of absent) problems.push(`${name}: is required with ${spec.name}`);
  }
  for (const [key, spec] of Object.entries(specs)) {
    if (reported.has(key)) continue;
    const fallback = embedded && spec.embeddedDefault !== undefined ? spec.embeddedDefault : spec.default;
    const text = isSet(spec) ? env[spec.name] : fallback;
    if (text === undefined) continue;
    const parsed = parse(text, spec.parse ?? 'string');
    if (parsed === INVALID) {
      problems.push(
        `${spec.name}: expected ${spec.parse}, got ${spec.secret ? '(hidden)' : JSON.stringify(text)}`,
      );
      continue;
    }
    raw[key] = parsed;
  }
  const instance = plainToInstance(definition.schema, raw);
  for (const error of validateSync(instance, { forbidUnknownValues: false })) {
    if (reported.has(error.property)) continue;
    const spec = (definition.variables as Record<string, VariableSpec>)[error.property];
    const reasons = Object.values(error.constraints ?? {}).join('; ');
    const missing = raw[error.property] === undefined;
    problems.push(`${spec?.name ?? error.property}: ${missing ? 'is required' : reasons}`);
  }
  if (problems.length > 0) throw new ConfigError(problems.map((p) => `[${definition.namespace}] ${p}`));
  return Object.freeze(instance);
}

/** Loads several namespaces and reports every problem at once instead of one per restart. */
export function loadAll(
  definitions: ConfigDefinition<object>[],
  env: Env = process.env,
): Map<Function, object> {
  const loaded = new Map<Function, object>();
  const problems: string[] = [];
  for (const d of definitions) {
    try {
      loaded.set(d.schema, loadConfig(d, env));
    } catch (err) {
      if (err instanceof ConfigError) problems.push(...err.problems);
      else throw err;
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return loaded;
}

const INVALID = Symbol('invalid');

function parse(text: string, as: Parser): unknown {
  switch (as) {
    case 'string':
      return text;
    case 'int':
      return /^-?\d+$/.test(text.trim()) ? Number(text) : INVALID;
    case 'number':
      return text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : INVALID;
    case 'boolean':
      if (/^(true|1|yes)$/i.test(text)) return true;
      if (/^(false|0|no)$/i.test(text)) return false;
      return INVALID;
    case 'list':
      return text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    default: {
      const never: never = as;
      return never;
    }
  }
}
