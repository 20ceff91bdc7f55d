import { Module, type OnModuleInit } from '@nestjs/common';
import { ActionRegistry } from '../imm/action-registry';
import { accessKeyActions } from './access-keys.actions';
import { AccessKeysRepository } from './access-keys.repository';
import { AccessKeysService } from './access-keys.service';

@Module({
  providers: [AccessKeysRepository, AccessKeysService],
  exports: [AccessKeysRepository],
})
export class AccessKeysModule implements OnModuleInit {
  constructor(
    private readonly registry: ActionRegistry,
    private readonly service: AccessKeysService,
  ) {}

  onModuleInit(): void {
    this.registry.register(...accessKeyActions(this.service));
  }
}
