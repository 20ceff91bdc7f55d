import { Module, type OnModuleInit } from '@nestjs/common';
import { ActionRegistry } from '../imm/action-registry';
import { webhookActions } from './webhooks.actions';
import { WebhooksRepository } from './webhooks.repository';
import { WebhooksService } from './webhooks.service';

@Module({
  providers: [WebhooksRepository, WebhooksService],
})
export class WebhooksModule implements OnModuleInit {
  constructor(
    private readonly registry: ActionRegistry,
    private readonly service: WebhooksService,
  ) {}

  onModuleInit(): void {
    this.registry.register(...webhookActions(this.service));
  }
}
