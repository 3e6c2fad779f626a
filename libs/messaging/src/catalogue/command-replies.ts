import { IsIn, IsInt, IsOptional, IsString, Matches, MaxLength, Min, MinLength } from 'class-validator';
import { defineTopic } from './define-topic';
import { IsIdentifier, REASON_CODE_PATTERN } from './fields';

/*
 * stock.command-replies: the SKU owner's answer to an `inventory.command` that names a requester (`replyTo`).
 * Keyed by the requester, which reads only its own key. The answer is small on purpose: the events a command
 * decided are in the event store under ids derived from the command id, and the requester reads them there.
 */

export const COMMAND_REPLY_STATUSES = ['applied', 'duplicate', 'failed'] as const;
export type CommandReplyStatus = (typeof COMMAND_REPLY_STATUSES)[number];

export class InventoryCommandAnswered {
  /** The requester's instance id, copied from the request. */
  @IsIdentifier()
  replyTo!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(512)
  commandId!: string;

  @IsIdentifier()
  sku!: string;

  /** `applied`: decided now; `duplicate`: decided by an earlier delivery of the same command id; `failed`: refused
   * before deciding (an unreadable body, a decider fault) and dead-lettered. */
  @IsIn(COMMAND_REPLY_STATUSES)
  status!: CommandReplyStatus;

  /** The SKU stream's version after the command. */
  @IsInt()
  @Min(0)
  version!: number;

  /** Events the command decided (0 for a command that changed nothing). */
  @IsInt()
  @Min(0)
  eventCount!: number;

  @IsOptional()
  @Matches(REASON_CODE_PATTERN)
  errorCode?: string;

  @IsOptional()
  @IsString()
  @MaxLength(500)
  errorMessage?: string;
}

export const CommandRepliesTopic = defineTopic({
  id: 'commandReplies',
  name: 'stock.command-replies',
  description:
    "The SKU owner's answers to the commands of the operations API, keyed by the waiting API instance.",
  defaultPartitions: 3,
  cleanupPolicy: 'delete',
  keyDescription: 'requester instance id',
  key: (payload) => payload.replyTo,
  messages: {
    'inventory.command-answered': { schemaVersion: 1, payload: InventoryCommandAnswered },
  },
});
