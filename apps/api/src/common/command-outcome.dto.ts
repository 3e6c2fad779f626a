import { ApiProperty } from '@nestjs/swagger';
import type { CommandOutcome } from './inventory-commands.service';

export class EventSummaryDto {
  @ApiProperty({ example: 'ChannelPolicySet' }) type!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) data!: Record<string, unknown>;
}

export class CommandOutcomeDto {
  @ApiProperty() sku!: string;
  @ApiProperty({ description: 'False when the command was already applied: nothing changed this time' })
  changed!: boolean;
  @ApiProperty({
    description: 'True when the same Idempotency-Key was seen before; events are the first outcome',
  })
  duplicate!: boolean;
  @ApiProperty({ description: 'Stream version after the command' }) version!: number;
  @ApiProperty({ type: [EventSummaryDto] }) events!: EventSummaryDto[];

  static of(outcome: CommandOutcome): CommandOutcomeDto {
    return {
      sku: outcome.sku,
      changed: outcome.changed,
      duplicate: outcome.duplicate,
      version: outcome.version,
      events: outcome.events.map((e) => ({ type: e.type, data: { ...e.data } })),
    };
  }
}
