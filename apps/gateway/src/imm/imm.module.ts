import { Global, Module } from '@nestjs/common';
import { ActionRegistry } from './action-registry';
import { DispatcherService } from './dispatcher.service';
import { ImmController, RestController } from './imm.controller';
import { PageTokens } from './page-token';

@Global()
@Module({
  controllers: [RestController, ImmController],
  providers: [ActionRegistry, DispatcherService, PageTokens],
  exports: [ActionRegistry, PageTokens],
})
export class ImmModule {}
