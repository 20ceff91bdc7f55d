import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { IndexCommandSchema } from '@simclust/contracts';
import { JetStreamContext } from '@simclust/messaging';
import type { Logger } from '@simclust/observability';
import { LOGGER } from '@simclust/runtime';
import { IndexingService } from './indexing.service';

/** Handler key of the indexer's JetStream binding (bootstrap.ts). */
export const INDEX_COMMAND_PATTERN = 'index-command';

@Controller()
export class IndexCommandHandler {
  constructor(
    private readonly indexing: IndexingService,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  /** Resolves once every file's outcome and the task's end are recorded; the message is acked only then. */
  @EventPattern(INDEX_COMMAND_PATTERN)
  async handle(@Payload() payload: unknown, @Ctx() ctx: JetStreamContext): Promise<void> {
    const command = IndexCommandSchema.safeParse(payload);
    if (!command.success) {
      // It can never succeed, so it is acknowledged and dropped rather than redelivered for ever.
      this.log.error({ issues: command.error.issues, seq: ctx.msg.seq }, 'dropping an index command that does not match IndexCommandSchema');
      return;
    }
    await this.indexing.run(command.data, () => ctx.working());
  }
}
