import { Body, Controller, Delete, Get, HttpStatus, Inject, Param, Post, Put, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { withTransaction } from '@libs/database';
import { DIVERSION_LIMITS, type DiversionRule, floorOf, ruleProblems } from '@libs/diversion';
import { PG_POOL } from '@libs/runtime';
import type { Pool, PoolClient } from 'pg';
import type { Principal } from '../auth/api-key';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { Authenticated, Roles } from '../auth/roles.decorator';
import { ApiError } from '../common/api-error';
import { DiversionRuleDto, ListDiversionAlertsQuery, RuleIdParams } from './diversion.dto';

type Definition = Pick<DiversionRule, 'scope' | 'check' | 'windowMinutes'>;

interface RuleRow {
  id: string;
  version: number;
  name: string;
  definition: Definition;
  deleted: boolean;
  updated_by: string;
  updated_at: Date;
}

function ruleView(r: RuleRow) {
  const floor = r.definition.check.type === 'price-floor' ? floorOf(r.definition.check) : undefined;
  return {
    id: r.id,
    version: r.version,
    name: r.name,
    ...r.definition,
    ...(floor !== undefined ? { floorFen: floor } : {}),
    updatedBy: r.updated_by,
    updatedAt: r.updated_at.toISOString(),
  };
}

/** Only the fields of its type, so a stored rule never carries a leftover of another type. */
function definitionOf(body: DiversionRuleDto): { name: string; definition: Definition } {
  const c = body.check;
  const pick = <K extends keyof typeof c>(...keys: K[]) =>
    Object.fromEntries(keys.filter((k) => c[k] !== undefined).map((k) => [k, c[k]]));
  const foreign = (allowed: string[]) =>
    Object.keys(c).filter(
      (k) => k !== 'type' && !allowed.includes(k) && c[k as keyof typeof c] !== undefined,
    );
  const fields = {
    'price-floor': ['floorFen', 'referenceFen', 'maxDiscountPercent'],
    region: ['allowed'],
    volume: ['per', 'measure', 'max'],
  }[c.type];
  const stray = foreign(fields);
  if (stray.length > 0)
    throw ApiError.validation(`check: ${stray.join(', ')} do not apply to a ${c.type} rule`, [
      { field: 'check', problems: [`${stray.join(', ')} do not apply to a ${c.type} rule`] },
    ]);
  const check = { type: c.type, ...pick(...(fields as (keyof typeof c)[])) } as DiversionRule['check'];
  if (check.type === 'region')
    check.allowed = check.allowed.map((r) => ({
      province: r.province,
      ...(r.cities ? { cities: r.cities } : {}),
    }));
  const s = body.scope ?? {};
  const scope = Object.fromEntries(
    Object.entries({ sku: s.sku, skuPrefix: s.skuPrefix, channels: s.channels, shops: s.shops }).filter(
      ([, v]) => v !== undefined,
    ),
  );
  const rule = { name: body.name, scope, check, windowMinutes: body.windowMinutes };
  const problems = ruleProblems(rule);
  if (problems.length > 0)
    throw ApiError.validation(
      problems.join('; '),
      problems.map((p) => ({ field: p.split(':')[0], problems: [p.slice(p.indexOf(':') + 2)] })),
    );
  return { name: body.name, definition: { scope, check, windowMinutes: body.windowMinutes } };
}

const RULE_COLUMNS = 'id::text AS id, version, name, definition, deleted, updated_by, updated_at';

/**
 * 串货 rules (libs/diversion) and the alerts they raised. The api is the one writer of the rules: each change is a
 * new version, kept in diversion_rule_versions with the caller's key name; the notifier's diversion engine reads
 * the latest every DIVERSION_RULES_REFRESH_MS and is the one writer of diversion_alerts.
 */
@ApiTags('diversion')
@Authenticated()
@Controller('v1/diversion')
export class DiversionHttpController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @Get('rules')
  @ApiOperation({ summary: 'The 串货 rules in force, latest version of each' })
  async list() {
    const { rows } = await this.pool.query<RuleRow>(
      `SELECT ${RULE_COLUMNS} FROM diversion_rules WHERE NOT deleted ORDER BY id`,
    );
    return { items: rows.map(ruleView) };
  }

  @Post('rules')
  @Roles('inventory-admin')
  @ApiOperation({ summary: 'Add a 串货 rule (version 1), attributed to the caller' })
  @ApiOkResponse({
    description: 'API.VALIDATION_FAILED (400) naming the field; API.CONFLICT (409) past 1,000 rules',
  })
  async create(@Body() body: DiversionRuleDto, @CurrentPrincipal() caller: Principal) {
    const { name, definition } = definitionOf(body);
    return withTransaction(this.pool, async (tx) => {
      // One rule added at a time, so two at once cannot both pass the count.
      await tx.query("SELECT pg_advisory_xact_lock(hashtext('diversion_rules'))");
      const { rows: count } = await tx.query<{ n: string }>(
        'SELECT count(*)::text AS n FROM diversion_rules WHERE NOT deleted',
      );
      if (Number(count[0]!.n) >= DIVERSION_LIMITS.maxRules)
        throw new ApiError(HttpStatus.CONFLICT, 'API.CONFLICT', `at most ${DIVERSION_LIMITS.maxRules} rules`);
      const { rows } = await tx.query<RuleRow>(
        `INSERT INTO diversion_rules (version, name, definition, updated_by, updated_at)
         VALUES (1, $1, $2, $3, now()) RETURNING ${RULE_COLUMNS}`,
        [name, JSON.stringify(definition), caller.name],
      );
      await this.recordVersion(tx, rows[0]!);
      return ruleView(rows[0]!);
    });
  }

  @Get('rules/:id')
  @ApiOperation({ summary: 'One rule, latest version' })
  async get(@Param() { id }: RuleIdParams) {
    const { rows } = await this.pool.query<RuleRow>(
      `SELECT ${RULE_COLUMNS} FROM diversion_rules WHERE id = $1 AND NOT deleted`,
      [id],
    );
    if (!rows[0]) throw ApiError.notFound(`no diversion rule ${id}`);
    return ruleView(rows[0]);
  }

  @Put('rules/:id')
  @Roles('inventory-admin')
  @ApiOperation({ summary: 'Replace a rule: a new version, attributed to the caller' })
  async replace(
    @Param() { id }: RuleIdParams,
    @Body() body: DiversionRuleDto,
    @CurrentPrincipal() caller: Principal,
  ) {
    const { name, definition } = definitionOf(body);
    return this.change(id, caller, { name, definition, deleted: false });
  }

  @Delete('rules/:id')
  @Roles('inventory-admin')
  @ApiOperation({ summary: 'Retire a rule: a last version marked deleted; its alerts stay' })
  async remove(@Param() { id }: RuleIdParams, @CurrentPrincipal() caller: Principal) {
    const rule = await this.change(id, caller, { deleted: true });
    return { id: rule.id, version: rule.version, deleted: true, updatedBy: rule.updatedBy };
  }

  @Get('rules/:id/versions')
  @ApiOperation({
    summary: "Every version of a rule, newest first, with who changed it (also a retired rule's)",
  })
  async versions(@Param() { id }: RuleIdParams) {
    const { rows } = await this.pool.query<{
      version: number;
      name: string;
      definition: Definition;
      deleted: boolean;
      changed_by: string;
      changed_at: Date;
    }>(
      `SELECT version, name, definition, deleted, changed_by, changed_at FROM diversion_rule_versions
        WHERE rule_id = $1 ORDER BY version DESC`,
      [id],
    );
    if (rows.length === 0) throw ApiError.notFound(`no diversion rule ${id}`);
    return {
      id,
      items: rows.map((r) => ({
        version: r.version,
        name: r.name,
        ...r.definition,
        deleted: r.deleted,
        changedBy: r.changed_by,
        changedAt: r.changed_at.toISOString(),
      })),
    };
  }

  @Get('alerts')
  @ApiOperation({
    summary:
      'DIVERSION_SUSPECTED alerts with their trace, newest first; filters rule, sku, channel, shop, from, to; paged',
  })
  async alerts(@Query() q: ListDiversionAlertsQuery) {
    const limit = q.limit ?? 50;
    const offset = q.offset ?? 0;
    const { rows } = await this.pool.query<{
      id: string;
      alert_key: string;
      rule_id: string;
      rule_version: number;
      rule_name: string;
      rule_type: string;
      subject_kind: string;
      subject: string;
      window_start: Date;
      window_end: Date;
      sku: string;
      channel: string;
      shop: string | null;
      first_at: Date;
      last_at: Date;
      violations: number;
      detail: object;
      orders: object[];
      published_at: Date | null;
    }>(
      `SELECT * FROM diversion_alerts
        WHERE ($1::text IS NULL OR rule_id = $1) AND ($2::text IS NULL OR sku = $2)
          AND ($3::text IS NULL OR channel = $3) AND ($4::text IS NULL OR shop = $4)
          AND ($5::timestamptz IS NULL OR first_at >= $5) AND ($6::timestamptz IS NULL OR first_at < $6)
        ORDER BY first_at DESC, id LIMIT $7 OFFSET $8`,
      [
        q.rule ?? null,
        q.sku ?? null,
        q.channel ?? null,
        q.shop ?? null,
        q.from ?? null,
        q.to ?? null,
        limit,
        offset,
      ],
    );
    return {
      items: rows.map((r) => ({
        id: r.id,
        key: r.alert_key,
        rule: { id: r.rule_id, version: r.rule_version, name: r.rule_name, type: r.rule_type },
        subject: { kind: r.subject_kind, id: r.subject },
        window: { start: r.window_start.toISOString(), end: r.window_end.toISOString() },
        sku: r.sku,
        channel: r.channel,
        shop: r.shop,
        firstAt: r.first_at.toISOString(),
        lastAt: r.last_at.toISOString(),
        violations: r.violations,
        ...r.detail,
        orders: r.orders,
        publishedAt: r.published_at?.toISOString() ?? null,
      })),
      next: rows.length === limit ? offset + limit : null,
    };
  }

  private async change(
    id: string,
    caller: Principal,
    next: { name?: string; definition?: Definition; deleted: boolean },
  ): Promise<ReturnType<typeof ruleView>> {
    return withTransaction(this.pool, async (tx) => {
      const { rows } = await tx.query<RuleRow>(
        `UPDATE diversion_rules SET version = version + 1, name = coalesce($2, name),
                definition = coalesce($3::jsonb, definition), deleted = $4, updated_by = $5, updated_at = now()
          WHERE id = $1 AND NOT deleted RETURNING ${RULE_COLUMNS}`,
        [
          id,
          next.name ?? null,
          next.definition ? JSON.stringify(next.definition) : null,
          next.deleted,
          caller.name,
        ],
      );
      if (!rows[0]) throw ApiError.notFound(`no diversion rule ${id}`);
      await this.recordVersion(tx, rows[0]);
      return ruleView(rows[0]);
    });
  }

  private async recordVersion(tx: PoolClient, r: RuleRow): Promise<void> {
    await tx.query(
      `INSERT INTO diversion_rule_versions (rule_id, version, name, definition, deleted, changed_by, changed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [r.id, r.version, r.name, JSON.stringify(r.definition), r.deleted, r.updated_by, r.updated_at],
    );
  }
}
