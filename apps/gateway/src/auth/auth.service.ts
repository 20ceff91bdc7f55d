import { Inject, Injectable } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import type { Request } from 'express';
import type { Redis } from 'ioredis';
import { ImmError } from '@simclust/contracts';
import type { GatewayConfig } from '@simclust/config';
import type { AccessKey } from '@simclust/db';
import { CONFIG, REDIS, SECRET_BOX } from '@simclust/runtime';
import { constantTimeEqual, type SecretBox } from '@simclust/secrets';
import { AccessKeysRepository } from '../access-keys/access-keys.repository';
import type { ActionDefinition, Principal, ResourceScope } from '../imm/action';
import { evaluate, mayAllowUnder, parsePolicy, prefixUnder, resourceOf, type ResourceSpace } from './policy';
import { redisCall } from './redis-call';
import {
  ACS3_ALGORITHM,
  REQUIRED_SIGNED_HEADERS,
  acs3Signature,
  canonicalRequest,
  parseAcs3Authorization,
  sha256Hex,
  signaturesEqual,
  SignatureError,
} from './signature';

/** How far x-acs-date may be from the server's clock (contract.md). */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
const MAX_NONCE_CHARS = 128;
const ACS_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/** Decides whether one listed item is visible to the caller. */
export type ItemFilter = (scope: ResourceScope) => boolean;

/** Authenticates every API call (Bearer secret or V3 signature) and evaluates its key's policy on the action. */
@Injectable()
export class AuthService {
  private readonly space: ResourceSpace;
  private readonly noncePrefix: string;

  constructor(
    @Inject(CONFIG) private readonly config: GatewayConfig,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: AccessKeysRepository,
  ) {
    this.space = { region: config.SIMCLUST_REGION, account: config.SIMCLUST_ACCOUNT };
    this.noncePrefix = `simclust:${config.SIMCLUST_REGION}:${config.SIMCLUST_ACCOUNT}:nonce`;
  }

  async authenticate(req: Request): Promise<Principal> {
    const header = req.header('authorization');
    if (!header) {
      throw ImmError.unauthenticated('No access key was given: send Authorization: Bearer <AccessKeySecret>, or sign the request with ACS3-HMAC-SHA256.');
    }
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (bearer) return this.bearer(bearer[1]);
    if (/^ACS3-/.test(header)) return this.signed(req as RawBodyRequest<Request>, header);
    throw ImmError.unauthenticated('The Authorization header is not of a supported form (Bearer <AccessKeySecret>, or ACS3-HMAC-SHA256 Credential=…).');
  }

  /**
   * Throws AccessDenied unless the key may perform the action on the call's resource. A list operation whose
   * resource the key lacks still runs when the policy allows the action on something inside that resource; the
   * returned filter then keeps only the items the key may see.
   */
  async authorize(principal: Principal, definition: ActionDefinition, params: unknown): Promise<ItemFilter | undefined> {
    if (principal.isAdmin) return undefined;
    const action = `imm:${definition.action}`;
    const scope = definition.resource(params);
    const resource = resourceOf(scope, this.space);
    const policy = principal.policy;
    if (!policy) throw ImmError.accessDenied(action, resource);
    const decision = evaluate(policy, action, resource);
    if (definition.listing) {
      if (decision === 'ExplicitDeny' || (decision === 'ImplicitDeny' && !mayAllowUnder(policy, action, prefixUnder(scope, this.space)))) {
        throw ImmError.accessDenied(action, resource);
      }
      return (item) => evaluate(policy, action, resourceOf(item, this.space)) === 'Allow';
    }
    if (decision !== 'Allow') throw ImmError.accessDenied(action, resource);
    return undefined;
  }

  private async bearer(secret: string): Promise<Principal> {
    if (constantTimeEqual(secret, this.config.ADMIN_API_KEY)) return this.admin();
    const key = await this.keys.findBySecretHash(this.box.lookupHash(secret));
    if (!key) throw ImmError.unauthenticated('The access key is unknown: no access key has this AccessKeySecret.');
    return this.principalOf(key);
  }

  private async signed(req: RawBodyRequest<Request>, header: string): Promise<Principal> {
    const auth = this.parse(header);
    if (auth.algorithm !== ACS3_ALGORITHM) {
      throw ImmError.unauthenticated(`The signature algorithm ${auth.algorithm} is not supported: sign with ${ACS3_ALGORITHM}.`);
    }
    let secret = this.config.ADMIN_API_KEY;
    let key: AccessKey | null = null;
    if (auth.accessKeyId !== this.config.ADMIN_ACCESS_KEY_ID) {
      key = await this.keys.findById(auth.accessKeyId);
      if (!key) throw ImmError.unauthenticated(`The access key ${auth.accessKeyId} is unknown.`);
      secret = this.box.decrypt(key.secretEnc);
    }

    for (const name of REQUIRED_SIGNED_HEADERS) {
      if (req.headers[name] === undefined) throw ImmError.unauthenticated(`The signed request lacks the ${name} header.`);
    }
    // The specification signs every x-acs-* header present (and host): an unsigned one could be altered in transit.
    const signed = new Set(auth.signedHeaders);
    for (const name of Object.keys(req.headers)) {
      if ((name === 'host' || name.startsWith('x-acs-')) && !signed.has(name)) {
        throw ImmError.unauthenticated(`The header ${name} is not in SignedHeaders; every x-acs-* header and host must be signed.`);
      }
    }
    const payloadHash = sha256Hex(req.rawBody ?? Buffer.alloc(0));
    if (String(req.headers['x-acs-content-sha256']).toLowerCase() !== payloadHash) {
      throw ImmError.unauthenticated('Bad signature: x-acs-content-sha256 is not the SHA-256 of the request body.');
    }
    let canonical: string;
    try {
      canonical = canonicalRequest({ method: req.method, url: req.originalUrl, headers: req.headers, signedHeaders: auth.signedHeaders, payloadHash });
    } catch (err) {
      if (err instanceof SignatureError) throw ImmError.unauthenticated(`Bad signature: ${err.message}.`);
      throw err;
    }
    if (!signaturesEqual(acs3Signature(secret, canonical), auth.signature)) {
      throw ImmError.unauthenticated(`Bad signature: the signature does not match the request for access key ${auth.accessKeyId} (check the AccessKeySecret).`);
    }

    const date = String(req.headers['x-acs-date']);
    const at = ACS_DATE.test(date) ? Date.parse(date) : Number.NaN;
    if (Number.isNaN(at)) throw ImmError.unauthenticated(`The x-acs-date ${date} is not a UTC time of the form yyyy-MM-ddTHH:mm:ssZ.`);
    const now = Date.now();
    if (Math.abs(now - at) > MAX_CLOCK_SKEW_MS) {
      throw ImmError.unauthenticated(`Stale date: x-acs-date ${date} is more than 15 minutes from the server time ${new Date(now).toISOString()}.`);
    }
    // Only a request that proves the secret learns that its key was deleted.
    const principal = key ? this.principalOf(key) : this.admin();
    await this.useNonce(auth.accessKeyId, String(req.headers['x-acs-signature-nonce']), at, now);
    return principal;
  }

  private parse(header: string) {
    try {
      return parseAcs3Authorization(header);
    } catch (err) {
      if (err instanceof SignatureError) throw ImmError.unauthenticated(`Bad signature: ${err.message}.`);
      throw err;
    }
  }

  /** Accepts a nonce once: remembered until its request's date leaves the accepted window. */
  private async useNonce(accessKeyId: string, nonce: string, at: number, now: number): Promise<void> {
    if (!nonce || nonce.length > MAX_NONCE_CHARS) {
      throw ImmError.unauthenticated(`The x-acs-signature-nonce must be 1 to ${MAX_NONCE_CHARS} characters.`);
    }
    const ttlSeconds = Math.max(1, Math.ceil((at + MAX_CLOCK_SKEW_MS - now) / 1000) + 1);
    const stored = await redisCall(this.redis, 'the nonce store', (r) => r.set(`${this.noncePrefix}:${accessKeyId}:${nonce}`, '1', 'EX', ttlSeconds, 'NX'));
    if (stored !== 'OK') throw ImmError.unauthenticated(`Replayed nonce: x-acs-signature-nonce ${nonce} was already used.`);
  }

  private admin(): Principal {
    return { accessKeyId: this.config.ADMIN_ACCESS_KEY_ID, isAdmin: true };
  }

  private principalOf(key: AccessKey): Principal {
    if (key.deletedAt) throw ImmError.unauthenticated(`The access key ${key.id} has been deleted.`);
    return { accessKeyId: key.id, isAdmin: false, policy: parsePolicy(key.policy) };
  }
}
