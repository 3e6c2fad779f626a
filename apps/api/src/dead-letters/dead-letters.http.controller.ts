import { Controller, Get, HttpCode, HttpStatus, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { DeadLetterNotReplayableError, type StoredDeadLetter } from '@libs/messaging';
import { LOGGER } from '@libs/observability';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import type { Logger } from 'pino';
import type { Principal } from '../auth/api-key';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { Authenticated, Roles } from '../auth/roles.decorator';
import { ApiError } from '../common/api-error';
import { deadLetterSummary } from './dead-letter-summary';
import { DeadLetters } from './dead-letters.service';

export class ListDeadLettersQuery {
  @ApiPropertyOptional({ default: 100, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

export class DeadLetterParams {
  @ApiProperty({ description: 'Partition of the dead-letter topic', example: 0 })
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  partition!: number;

  @ApiProperty({ description: 'Offset on the dead-letter topic (decimal)', example: '0' })
  @Matches(/^(0|[1-9]\d{0,18})$/)
  offset!: string;
}

/**
 * The records consumers set aside on the dead-letter topic (stock.dlq), and their replay once the cause is fixed:
 * what the CLI's `dlq list` and `dlq replay` do, through the same reader. Each read looks at the broker as it is
 * now (a throwaway consumer group that commits nothing); nothing is stored by the API.
 */
@ApiTags('dead letters')
@Authenticated()
@Controller('v1/dead-letters')
export class DeadLettersHttpController {
  constructor(
    private readonly deadLetters: DeadLetters,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Get()
  @ApiOperation({
    summary:
      'The newest dead letters first (by when they were set aside): where each record came from, the reason code ' +
      'and its text, key, type and event id; never the record itself',
  })
  async list(@Query() { limit = 100 }: ListDeadLettersQuery) {
    const { letters, unreadable } = await this.deadLetters.get().latest(limit);
    if (unreadable.length > 0)
      this.logger.warn(
        { unreadable },
        'records on the dead-letter topic that are not dead letters were left out',
      );
    const items = letters
      .map(deadLetterSummary)
      .sort(
        (a, b) =>
          b.at.localeCompare(a.at) ||
          b.partition - a.partition ||
          Number(BigInt(b.offset) - BigInt(a.offset)),
      )
      .slice(0, limit);
    return { items };
  }

  @Get(':partition/:offset')
  @ApiOperation({
    summary: 'One dead letter, as the list shows it; API.NOT_FOUND (404) when there is none there',
  })
  async one(@Param() { partition, offset }: DeadLetterParams) {
    return deadLetterSummary(await this.find(partition, offset));
  }

  @Post(':partition/:offset/replay')
  @HttpCode(HttpStatus.OK)
  @Roles('inventory-admin')
  @ApiOperation({
    summary:
      "Write the dead letter's original bytes, key and headers back to its source topic, once the cause is fixed. " +
      'Consumers dedupe on the event id, so a second replay of a record that was applied changes nothing; ' +
      'API.CONFLICT (409) when the dead letter kept only an excerpt of the record, or no bytes',
  })
  @ApiOkResponse({
    description: 'Where the record was written: { deadLetter, replayedTo, key, eventId?, ... }',
  })
  async replay(@Param() { partition, offset }: DeadLetterParams, @CurrentPrincipal() caller: Principal) {
    const store = this.deadLetters.get();
    const stored = await this.find(partition, offset);
    let receipt;
    try {
      receipt = await store.replay(stored, `${partition}/${offset}`);
    } catch (err) {
      if (err instanceof DeadLetterNotReplayableError)
        throw new ApiError(HttpStatus.CONFLICT, 'API.CONFLICT', err.message);
      throw err;
    }
    const answer = {
      deadLetter: { topic: store.topicName, partition, offset },
      replayedTo: { topic: receipt.topic, partition: receipt.partition, offset: receipt.offset },
      key: receipt.key,
      ...(stored.letter.originalEventId !== undefined && { eventId: stored.letter.originalEventId }),
      replayedBy: caller.name,
      replayedAt: new Date().toISOString(),
    };
    // The audit record of the replay: who put which record back, and where it went.
    this.logger.info(
      {
        actor: caller.name,
        keyId: caller.keyId,
        role: caller.role,
        ...answer,
        reason: stored.letter.reasonCode,
      },
      'dead letter replayed',
    );
    return answer;
  }

  private async find(partition: number, offset: string): Promise<StoredDeadLetter> {
    const found = await this.deadLetters.get().at(partition, offset);
    if (!found) throw ApiError.notFound(`no dead letter at partition ${partition} offset ${offset}`);
    if (!('letter' in found))
      throw ApiError.notFound(`partition ${partition} offset ${offset} holds no readable dead letter`);
    return found;
  }
}
