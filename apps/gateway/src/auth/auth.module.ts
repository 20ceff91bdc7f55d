import { Global, Module } from '@nestjs/common';
import { AccessKeysModule } from '../access-keys/access-keys.module';
import { AuthService } from './auth.service';
import { ProjectLimitsRepository } from './project-limits.repository';
import { RateLimiter } from './rate-limiter.service';

/** Authentication, policy evaluation and rate limits of the single request path (DispatcherService). */
@Global()
@Module({
  imports: [AccessKeysModule],
  providers: [AuthService, RateLimiter, ProjectLimitsRepository],
  exports: [AuthService, RateLimiter],
})
export class AuthModule {}
