import { Global, Module } from '@nestjs/common';
import { AuthService } from '../auth/auth.service';
import { ActionRegistry } from './action-registry';
import { DispatcherService } from './dispatcher.service';
import { ImmController, RestController } from './imm.controller';
import { PageTokens } from './page-token';

@Global()
@Module({
  controllers: [RestController, ImmController],
  providers: [ActionRegistry, DispatcherService, AuthService, PageTokens],
  exports: [ActionRegistry, PageTokens, AuthService],
})
export class ImmModule {}
