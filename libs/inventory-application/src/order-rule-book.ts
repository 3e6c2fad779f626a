import type { Queryable } from '@libs/database';
import { orderRuleProblem, type OrderRule } from '@libs/inventory';

/** Where an owner finds the order rules in force. */
export interface OrderRuleSource {
  current(): readonly OrderRule[];
}

interface RuleRow {
  rule_id: string;
  version: number;
  position: number;
  condition: OrderRule['when'];
  action: OrderRule['then'];
}

/**
 * The order rules in force (table order_rules, written by the api only), read again every refresh: the SKU owner
 * hands them to each placement's decision. A rule changed through the api applies to placements decided from the
 * next refresh on; each decision records the rule version it applied. A read that fails keeps the rules last read
 * (the next refresh tries again) rather than deciding as if there were none; before the api has created the
 * table there are no rules to read.
 */
export class OrderRuleBook implements OrderRuleSource {
  private rules: readonly OrderRule[] = [];
  private loadedAt: number | null = null;

  constructor(private readonly db: Queryable) {}

  current(): readonly OrderRule[] {
    return this.rules;
  }

  /** When the rules were last read (epoch ms); null before the first read. */
  get lastLoadedAt(): number | null {
    return this.loadedAt;
  }

  /** Reads the rules in force; the count of rules skipped as unusable (the api never writes one). */
  async refresh(now = Date.now()): Promise<{ rules: number; skipped: number }> {
    const exists = await this.db.query<{ present: boolean }>(
      `SELECT to_regclass('order_rules') IS NOT NULL AS present`,
    );
    if (exists.rows[0]?.present !== true) {
      this.rules = [];
      this.loadedAt = now;
      return { rules: 0, skipped: 0 };
    }
    const { rows } = await this.db.query<RuleRow>(
      `SELECT rule_id, version, position, condition, action FROM order_rules
        WHERE enabled AND NOT deleted ORDER BY position, rule_id`,
    );
    const rules: OrderRule[] = [];
    for (const row of rows) {
      const rule: OrderRule = {
        ruleId: row.rule_id,
        version: row.version,
        position: row.position,
        when: row.condition,
        then: row.action,
      };
      if (orderRuleProblem(rule) === null) rules.push(rule);
    }
    this.rules = rules;
    this.loadedAt = now;
    return { rules: rules.length, skipped: rows.length - rules.length };
  }
}
