import {
  getMetadataStorage,
  ValidationTypes,
  type ValidationArguments,
  type ValidatorConstraintInterface,
} from 'class-validator';
// Internal modules of the pinned versions: class-validator's message formatting (so a refusal reads exactly as
// class-validator words it) and class-transformer's @Type registry (which class a nested property holds).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ValidationUtils } = require('class-validator/cjs/validation/ValidationUtils') as {
  ValidationUtils: { replaceMessageSpecialTokens(message: unknown, args: ValidationArguments): string };
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as {
  defaultMetadataStorage: {
    findTypeMetadata(
      target: Function,
      property: string,
    ): { typeFunction: (options?: unknown) => Function } | undefined;
  };
};
import type { PayloadClass } from '../catalogue/define-topic';

export type Validated<P> = { ok: true; value: P } | { ok: false; problems: string[] };

/** A validator compiled for one payload class: `(plain) => Validated`. */
export type CompiledValidator<P> = (plain: unknown) => Validated<P>;

interface Metadata {
  type: string;
  propertyName: string;
  constraintCls: Function;
  constraints: unknown[];
  each?: boolean;
  message?: unknown;
  validateIf?: (object: object, value: unknown) => boolean;
  target: Function | string;
}

interface Check {
  readonly name: string;
  readonly metadata: Metadata;
  readonly instance: ValidatorConstraintInterface;
}

interface PropertyPlan {
  readonly property: string;
  readonly conditions: readonly Metadata[];
  readonly defined: readonly Check[];
  readonly checks: readonly Check[];
  readonly nested: readonly Metadata[];
  /** The class a nested value is validated as (class-transformer's @Type), or undefined. */
  readonly nestedClass: (() => Function) | undefined;
}

interface ClassPlan {
  readonly cls: Function;
  readonly known: ReadonlySet<string>;
  readonly properties: readonly PropertyPlan[];
}

/** One problem, as class-validator's ValidationError tree would flatten it. */
interface Problem {
  path: string;
  message: string;
}

const plans = new Map<Function, ClassPlan>();

/**
 * class-validator reads its metadata registry on every call — every decorator of every class is filtered for the
 * target, then each constraint's implementation is looked up again — and class-transformer first copies the
 * payload into class instances. For a message consumer that walk costs far more than the checks themselves. This
 * reads the registry once per class and keeps, per property, the constraint implementations class-validator
 * would run, in the order it runs them, with the same messages. The decorators on the catalogue classes stay the
 * one definition of every schema; `compiled-validation.properties.unit.spec.ts` holds the two to the same answers.
 *
 * Supported: what the catalogue uses — synchronous constraints (with `each`), `@IsOptional`/`@ValidateIf`,
 * `@ValidateNested` with `@Type`, class-level constraints, whitelisting. Groups, async constraints and
 * `@IsDefined` inside nested conditions behave as in class-validator's defaults; anything else is refused when the
 * class is compiled, not discovered per message.
 */
export function compileValidator<P extends object>(
  cls: PayloadClass<P>,
  strict = true,
): CompiledValidator<P> {
  const plan = planFor(cls);
  return (plain) => {
    if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
      return { ok: false, problems: ['must be a JSON object'] };
    }
    const problems: Problem[] = [];
    validateObject(plan, plain as Record<string, unknown>, '', strict, problems);
    if (problems.length === 0) return { ok: true, value: plain as P };
    return { ok: false, problems: problems.map((p) => `${p.path}: ${p.message}`) };
  };
}

function planFor(cls: Function): ClassPlan {
  const existing = plans.get(cls);
  if (existing) return existing;
  const storage = getMetadataStorage();
  const metadatas = storage.getTargetValidationMetadatas(cls, '', false, false) as unknown as Metadata[];
  const grouped = storage.groupByPropertyName(metadatas as never) as unknown as Record<string, Metadata[]>;
  const checkOf = (m: Metadata): Check[] =>
    storage.getTargetValidatorConstraints(m.constraintCls).map((c) => {
      if (c.async) throw new Error(`${cls.name}.${m.propertyName}: async constraints are not supported`);
      return { name: c.name || m.type, metadata: m, instance: c.instance };
    });
  const properties: PropertyPlan[] = Object.entries(grouped).map(([property, list]) => {
    for (const m of list) {
      if (
        m.type !== ValidationTypes.CUSTOM_VALIDATION &&
        m.type !== ValidationTypes.NESTED_VALIDATION &&
        m.type !== ValidationTypes.CONDITIONAL_VALIDATION &&
        m.type !== ValidationTypes.IS_DEFINED &&
        m.type !== ValidationTypes.WHITELIST
      )
        throw new Error(`${cls.name}.${property}: validation type ${m.type} is not supported`);
    }
    const typeMetadata = defaultMetadataStorage.findTypeMetadata(cls, property);
    if (list.some((m) => m.type === ValidationTypes.NESTED_VALIDATION) && !typeMetadata)
      throw new Error(
        `${cls.name}.${property}: @ValidateNested needs @Type(() => Class) to know what it holds`,
      );
    return {
      property,
      conditions: list.filter((m) => m.type === ValidationTypes.CONDITIONAL_VALIDATION),
      defined: list.filter((m) => m.type === ValidationTypes.IS_DEFINED).flatMap(checkOf),
      checks: list.filter((m) => m.type === ValidationTypes.CUSTOM_VALIDATION).flatMap(checkOf),
      nested: list.filter((m) => m.type === ValidationTypes.NESTED_VALIDATION),
      nestedClass: typeMetadata ? () => typeMetadata.typeFunction() : undefined,
    };
  });
  const plan: ClassPlan = { cls, known: new Set(Object.keys(grouped)), properties };
  plans.set(cls, plan);
  return plan;
}

function validateObject(
  plan: ClassPlan,
  object: Record<string, unknown>,
  path: string,
  strict: boolean,
  problems: Problem[],
): void {
  if (strict) {
    for (const key of Object.keys(object)) {
      if (!plan.known.has(key))
        problems.push({ path: join(path, key), message: `property ${key} should not exist` });
    }
  }
  for (const property of plan.properties) {
    validateProperty(
      plan,
      property,
      object,
      object[property.property],
      property.property,
      path,
      strict,
      problems,
    );
  }
}

function validateProperty(
  plan: ClassPlan,
  property: PropertyPlan,
  object: object,
  value: unknown,
  name: string,
  path: string,
  strict: boolean,
  problems: Problem[],
): void {
  for (const condition of property.conditions) {
    if (!(condition.constraints[0] as (o: object, v: unknown) => boolean)(object, value)) return;
  }
  const at = join(path, name);
  const own = new Map<string, string>();
  runChecks(plan, property.defined, object, value, own);
  runChecks(plan, property.checks, object, value, own);
  for (const message of own.values()) problems.push({ path: at, message });
  if (property.nested.length > 0 && value !== undefined) {
    for (const metadata of property.nested) validateNested(property, metadata, value, at, strict, problems);
  }
}

/** class-validator keys a property's failures by constraint name: a second failure of one name replaces the first. */
function runChecks(
  plan: ClassPlan,
  checks: readonly Check[],
  object: object,
  value: unknown,
  out: Map<string, string>,
): void {
  for (const { name, metadata, instance } of checks) {
    if (metadata.validateIf && !metadata.validateIf(object, value)) continue;
    const args: ValidationArguments = {
      targetName: plan.cls.name,
      property: metadata.propertyName,
      object,
      value,
      constraints: metadata.constraints,
    };
    const valid =
      metadata.each && isCollection(value)
        ? collectionItems(value).every((v) => Boolean(instance.validate(v, args)))
        : Boolean(instance.validate(value, args));
    if (!valid) out.set(name, messageOf(metadata, instance, args));
  }
}

function messageOf(
  metadata: Metadata,
  instance: ValidatorConstraintInterface,
  args: ValidationArguments,
): string {
  const message = metadata.message || (instance.defaultMessage ? instance.defaultMessage(args) : '');
  return ValidationUtils.replaceMessageSpecialTokens(message, args);
}

function validateNested(
  property: PropertyPlan,
  metadata: Metadata,
  value: unknown,
  at: string,
  strict: boolean,
  problems: Problem[],
): void {
  if (isCollection(value)) {
    collectionItems(value).forEach((item, index) => {
      if (item !== undefined)
        validateNested(property, metadata, item, join(at, String(index)), strict, problems);
    });
    return;
  }
  validateNestedValue(property, metadata, value, at, strict, problems);
}

function isCollection(value: unknown): value is unknown[] | Set<unknown> | Map<unknown, unknown> {
  return Array.isArray(value) || value instanceof Set || value instanceof Map;
}

function collectionItems(value: unknown[] | Set<unknown> | Map<unknown, unknown>): unknown[] {
  return Array.isArray(value) ? value : [...value.values()];
}

function validateNestedValue(
  property: PropertyPlan,
  metadata: Metadata,
  value: unknown,
  at: string,
  strict: boolean,
  problems: Problem[],
): void {
  // Not `instanceof Object`: a payload parsed in another realm (a worker, a vm context) is still an object.
  if (typeof value !== 'object' || value === null) {
    const args: ValidationArguments = {
      targetName: typeof metadata.target === 'string' ? metadata.target : metadata.target.name,
      property: metadata.propertyName,
      object: metadata.target as object,
      value,
      constraints: metadata.constraints,
    };
    problems.push({
      path: at,
      message: ValidationUtils.replaceMessageSpecialTokens(metadata.message ?? '', args),
    });
    return;
  }
  validateObject(planFor(property.nestedClass!()), value as Record<string, unknown>, at, strict, problems);
}

function join(path: string, property: string): string {
  return path ? `${path}.${property}` : property;
}
