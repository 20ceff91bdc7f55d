import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ImmError } from '@simclust/contracts';
import type { GatewayConfig } from '@simclust/config';
import { CONFIG } from '@simclust/runtime';
import { constantTimeEqual } from '@simclust/secrets';
import type { ActionDefinition, Principal } from '../imm/action';

/** Authenticates every API call and decides whether its key may perform the action. */
@Injectable()
export class AuthService {
  constructor(@Inject(CONFIG) private readonly config: GatewayConfig) {}

  async authenticate(req: Request): Promise<Principal> {
    const header = req.header('authorization');
    if (!header) throw ImmError.unauthenticated('No access key was given: send Authorization: Bearer <AccessKeySecret>.');
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!bearer) throw ImmError.unauthenticated('The Authorization header is not of a supported form (Bearer <AccessKeySecret>).');
    if (constantTimeEqual(bearer[1], this.config.ADMIN_API_KEY)) {
      return { accessKeyId: this.config.ADMIN_ACCESS_KEY_ID, isAdmin: true };
    }
    throw ImmError.unauthenticated('The access key is unknown.');
  }

  async authorize(principal: Principal, definition: ActionDefinition, _params: unknown): Promise<void> {
    if (principal.isAdmin) return;
    throw ImmError.accessDenied(`imm:${definition.action}`, '*');
  }
}
