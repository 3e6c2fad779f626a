import { Body, Controller, Delete, Get, HttpStatus, Inject, Param, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { withTransaction } from '@libs/database';
import { MAX_ORDER_RULES, orderRuleProblem, type OrderRule } from '@libs/inventory';
import { PG_POOL } from '@libs/runtime';
import type { Pool, PoolClient } from 'pg';
import type { Principal } from '../auth/api-key';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { Authenticated, Roles } from '../auth/roles.decorator';
import { ApiError } from '../common/api-error';
import { OrderRuleParams, PutOrderRuleDto } from './order-rules.dto';

interface RuleRow {
  rule_id: string;
  version: number;
  position: number;
  enabled: boolean;
  deleted: boolean;
  description: string | null;
  condition: OrderRule['when'];
  action: OrderRule['then'];
  updated_by: string;
  updated_at: Date;
}

const COLUMNS =
  'rule_id, version, position, enabled, deleted, description, condition, action, updated_by, updated_at';
const DEFAULT_POSITION = 100;

function ruleView(r: RuleRow) {
  return {
    ruleId: r.rule_id,
    version: r.version,
    position: r.position,
    enabled: r.enabled,
    ...(r.description === null ? {} : { description: r.description }),
    when: r.condition,
    then: r.action,
    updatedBy: r.updated_by,
    updatedAt: r.updated_at.toISOString(),
  };
}

/** Only the fields of the action's type: a stored action never carries a leftover of another. */
function actionOf(then: PutOrderRuleDto['then']): OrderRule['then'] {
  switch (then.type) {
    case 'hold':
      return { type: 'hold' };
    case 'priority':
      return { type: 'priority', priority: then.priority as number };
    case 'route':
      return { type: 'route', supplierId: then.supplierId as string };
    case 'refuse':
      return { type: 'refuse', code: then.code as string };
  }
}

/**
 * Order rules (订单自动化): conditions on product, channel, amount, quantity, buyer reference or level → hold for
 * review, priority, route to a supplier, or refuse. The api is their one writer (table order_rules, every version
 * kept in order_rule_versions with the caller); each SKU owner reads the rules in force every
 * ORDER_RULES_REFRESH_MS and applies them inside the placement's decision (libs/inventory order-rules.ts).
 */
@ApiTags('order-rules')
@Authenticated()
@Controller('v1/order-rules')
export class OrderRulesHttpController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @Get()
  @ApiOperation({ summary: 'The order rules (latest version of each, retired ones left out), by position' })
  async list() {
    const { rows } = await this.pool.query<RuleRow>(
      `SELECT ${COLUMNS} FROM order_rules WHERE NOT deleted ORDER BY position, rule_id`,
    );
    return { items: rows.map(ruleView) };
  }

  @Get(':ruleId')
  @ApiOperation({ summary: 'One order rule, latest version' })
  async get(@Param() { ruleId }: OrderRuleParams) {
    const { rows } = await this.pool.query<RuleRow>(
      `SELECT ${COLUMNS} FROM order_rules WHERE rule_id = $1 AND NOT deleted`,
      [ruleId],
    );
    if (!rows[0]) throw ApiError.notFound(`no order rule ${ruleId}`);
    return ruleView(rows[0]);
  }

  @Put(':ruleId')
  @Roles('inventory-admin')
  @ApiOperation({
    summary:
      'Create or replace an order rule: a new version, attributed to the caller. The same rule again changes nothing.',
  })
  @ApiOkResponse({
    description:
      'API.VALIDATION_FAILED (400) naming what is wrong (an action without its field, a lower-case code…); ' +
      `API.CONFLICT (409) past ${MAX_ORDER_RULES} rules`,
  })
  async put(
    @Param() { ruleId }: OrderRuleParams,
    @Body() body: PutOrderRuleDto,
    @CurrentPrincipal() caller: Principal,
  ) {
    const when = Object.fromEntries(Object.entries(body.when).filter(([, v]) => v !== undefined));
    const then = actionOf(body.then);
    const position = body.position ?? DEFAULT_POSITION;
    const enabled = body.enabled ?? true;
    const problem = orderRuleProblem({ ruleId, version: 1, position, when, then });
    if (problem !== null)
      throw ApiError.validation(problem, [{ field: problem.split(' ')[0], problems: [problem] }]);
    return withTransaction(this.pool, async (tx) => {
      // One writer at a time, so the count and the version cannot both pass for two requests.
      await tx.query("SELECT pg_advisory_xact_lock(hashtext('order_rules'))");
      const { rows: existing } = await tx.query<RuleRow>(
        `SELECT ${COLUMNS} FROM order_rules WHERE rule_id = $1 FOR UPDATE`,
        [ruleId],
      );
      const current = existing[0];
      const same =
        current !== undefined &&
        !current.deleted &&
        current.position === position &&
        current.enabled === enabled &&
        (current.description ?? undefined) === body.description &&
        JSON.stringify(current.condition) === JSON.stringify(when) &&
        JSON.stringify(current.action) === JSON.stringify(then);
      if (same) return ruleView(current);
      if (current === undefined || current.deleted) {
        const { rows } = await tx.query<{ n: string }>(
          'SELECT count(*)::text AS n FROM order_rules WHERE NOT deleted',
        );
        if (Number(rows[0]!.n) >= MAX_ORDER_RULES)
          throw new ApiError(HttpStatus.CONFLICT, 'API.CONFLICT', `at most ${MAX_ORDER_RULES} order rules`);
      }
      const version = (current?.version ?? 0) + 1;
      const { rows } = await tx.query<RuleRow>(
        `INSERT INTO order_rules (rule_id, version, position, enabled, deleted, description, condition, action,
                                  updated_by, updated_at)
         VALUES ($1, $2, $3, $4, false, $5, $6, $7, $8, now())
         ON CONFLICT (rule_id) DO UPDATE SET version = EXCLUDED.version, position = EXCLUDED.position,
           enabled = EXCLUDED.enabled, deleted = false, description = EXCLUDED.description,
           condition = EXCLUDED.condition, action = EXCLUDED.action, updated_by = EXCLUDED.updated_by,
           updated_at = EXCLUDED.updated_at
         RETURNING ${COLUMNS}`,
        [
          ruleId,
          version,
          position,
          enabled,
          body.description ?? null,
          JSON.stringify(when),
          JSON.stringify(then),
          caller.name,
        ],
      );
      await recordVersion(tx, rows[0]!, current === undefined || current.deleted ? 'created' : 'changed');
      return ruleView(rows[0]!);
    });
  }

  @Delete(':ruleId')
  @Roles('inventory-admin')
  @ApiOperation({
    summary: 'Retire an order rule: a last version marked deleted; rulings that named it stay',
  })
  async remove(@Param() { ruleId }: OrderRuleParams, @CurrentPrincipal() caller: Principal) {
    return withTransaction(this.pool, async (tx) => {
      const { rows } = await tx.query<RuleRow>(
        `UPDATE order_rules SET version = version + 1, deleted = true, updated_by = $2, updated_at = now()
          WHERE rule_id = $1 AND NOT deleted RETURNING ${COLUMNS}`,
        [ruleId, caller.name],
      );
      if (!rows[0]) throw ApiError.notFound(`no order rule ${ruleId}`);
      await recordVersion(tx, rows[0], 'deleted');
      return { ruleId, version: rows[0].version, deleted: true, updatedBy: caller.name };
    });
  }

  @Get(':ruleId/versions')
  @ApiOperation({
    summary: "Every version of a rule, newest first, with who changed it (a retired rule's too)",
  })
  async versions(@Param() { ruleId }: OrderRuleParams) {
    const { rows } = await this.pool.query<{
      version: number;
      change: string;
      position: number;
      enabled: boolean;
      description: string | null;
      condition: OrderRule['when'];
      action: OrderRule['then'];
      actor: string;
      at: Date;
    }>(
      `SELECT version, change, position, enabled, description, condition, action, actor, at
         FROM order_rule_versions WHERE rule_id = $1 ORDER BY version DESC`,
      [ruleId],
    );
    if (rows.length === 0) throw ApiError.notFound(`no order rule ${ruleId}`);
    return {
      ruleId,
      items: rows.map((r) => ({
        version: r.version,
        change: r.change,
        position: r.position,
        enabled: r.enabled,
        ...(r.description === null ? {} : { description: r.description }),
        when: r.condition,
        then: r.action,
        changedBy: r.actor,
        changedAt: r.at.toISOString(),
      })),
    };
  }
}

async function recordVersion(tx: PoolClient, r: RuleRow, change: 'created' | 'changed' | 'deleted') {
  await tx.query(
    `INSERT INTO order_rule_versions (rule_id, version, change, position, enabled, description, condition, action,
                                      actor, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      r.rule_id,
      r.version,
      change,
      r.position,
      r.enabled,
      r.description,
      JSON.stringify(r.condition),
      JSON.stringify(r.action),
      r.updated_by,
      r.updated_at,
    ],
  );
}
