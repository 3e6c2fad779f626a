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
}

export interface ConfigDefinition<T extends object> {
  namespace: string;
  schema: new () => T;
  variables: { [K in keyof T]: VariableSpec };
}

/** One namespace of configuration: its class (validated with class-validator) and the variables feeding it. */
export function defineConfig<T extends object>(
  namespace: string,
  schema: new () => T,
  variables: { [K in keyof T]: VariableSpec },
): ConfigDefinition<T> {
  return { namespace, schema, variables };
}

export function loadConfig<T extends object>(definition: ConfigDefinition<T>, env: Env = process.env): T {
  const problems: string[] = [];
  const raw: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(definition.variables) as [string, VariableSpec][]) {
    const text = env[spec.name] !== undefined && env[spec.name] !== '' ? env[spec.name] : spec.default;
    if (text === undefined) continue;
    const parsed = parse(text, spec.parse ?? 'string');
    if (parsed === INVALID) {
      problems.push(`${spec.name}: expected ${spec.parse}, got ${spec.secret ? '(hidden)' : JSON.stringify(text)}`);
      continue;
    }
    raw[key] = parsed;
  }
  const instance = plainToInstance(definition.schema, raw);
  for (const error of validateSync(instance, { forbidUnknownValues: false })) {
    const spec = (definition.variables as Record<string, VariableSpec>)[error.property];
    const reasons = Object.values(error.constraints ?? {}).join('; ');
    const missing = raw[error.property] === undefined;
    problems.push(`${spec?.name ?? error.property}: ${missing ? 'is required' : reasons}`);
  }
  if (problems.length > 0) throw new ConfigError(problems.map((p) => `[${definition.namespace}] ${p}`));
  return Object.freeze(instance);
}

/** Loads several namespaces and reports every problem at once instead of one per restart. */
export function loadAll(definitions: ConfigDefinition<object>[], env: Env = process.env): Map<Function, object> {
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
