import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
  registerDecorator,
  type ValidationArguments,
} from 'class-validator';
import { IsIdentifier } from '../common/identifiers';
import {
  ACTION_KINDS,
  type ActionKind,
  MAX_NOTE_LENGTH,
  MAX_REF_LENGTH,
  MAX_SUMMARY_LENGTH,
  REASON_CODE,
  TICKET_STATES,
  type TicketState,
} from './ticket';

export class TicketOrderParams {
  @ApiProperty({ example: 'shop' }) @IsIdentifier() channel!: string;
  @ApiProperty({ example: 'SHOP-20261130-0001' }) @IsIdentifier() channelOrderId!: string;
}

export class TicketIdParams {
  @ApiProperty({ description: 'The ticket id (a UUID, as the open route answered it)' })
  @IsIdentifier()
  id!: string;
}

export class OpenTicketDto {
  @ApiProperty({ example: 'INVALID_KEY', description: 'Upper-case reason code, at most 64 characters' })
  @Matches(REASON_CODE, {
    message: 'reason must be an upper-case code like INVALID_KEY (at most 64 characters)',
  })
  reason!: string;

  @ApiProperty({ maxLength: MAX_SUMMARY_LENGTH, example: 'the buyer says the key was already used' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_SUMMARY_LENGTH)
  summary!: string;

  @ApiPropertyOptional({ description: 'The SKU the ticket is about, when the order has several' })
  @IsOptional()
  @IsIdentifier()
  sku?: string;
}

export class TicketActionDto {
  @ApiProperty({ enum: ACTION_KINDS })
  @IsIn(ACTION_KINDS)
  kind!: ActionKind;

  @ApiProperty({
    maxLength: MAX_REF_LENGTH,
    description: 'What it refers to: the unit id replaced, the refund or command id, ...',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_REF_LENGTH)
  ref!: string;
}

/** Exactly one of `to` (a move) and `action` (a linked action); a note with either. */
export class TicketEventDto {
  @ApiPropertyOptional({ enum: TICKET_STATES })
  @ValidateIf((o: TicketEventDto) => o.action === undefined || o.to !== undefined)
  @IsIn(TICKET_STATES, {
    message: `to must be one of ${TICKET_STATES.join(', ')} (or send an action instead)`,
  })
  to?: TicketState;

  @ApiPropertyOptional({ type: TicketActionDto })
  @ValidateIf((o: TicketEventDto) => o.to === undefined || o.action !== undefined)
  @ValidateNested()
  @Type(() => TicketActionDto)
  @IsNotEmpty({ message: 'action is required when no state is given' })
  @NotBoth('to')
  action?: TicketActionDto;

  @ApiPropertyOptional({
    maxLength: MAX_NOTE_LENGTH,
    description: 'Required to resolve or reject: it is the resolution the platform is told',
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_NOTE_LENGTH)
  note?: string;
}

export class ListTicketsQuery {
  @ApiPropertyOptional({ enum: TICKET_STATES }) @IsOptional() @IsIn(TICKET_STATES) state?: TicketState;

  @ApiPropertyOptional({ description: 'Only tickets opened at least this many minutes ago' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(525_600)
  olderThanMinutes?: number;

  @ApiPropertyOptional() @IsOptional() @IsIdentifier() channel?: string;

  @ApiPropertyOptional({ default: 100, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: "The previous page's nextCursor" })
  @IsOptional()
  @IsString()
  @MaxLength(400)
  cursor?: string;
}

/** Refuses the property when `other` is set too: a ticket event is a move or an action, never both. */
function NotBoth(other: string): PropertyDecorator {
  return (target, property) =>
    registerDecorator({
      name: 'notBoth',
      target: target.constructor,
      propertyName: property as string,
      options: { message: `send either ${other} or ${String(property)}, not both` },
      validator: {
        validate: (value: unknown, args?: ValidationArguments) =>
          value === undefined || (args?.object as Record<string, unknown>)[other] === undefined,
      },
    });
}
