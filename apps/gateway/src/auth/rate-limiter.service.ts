import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { DEFAULT_PROJECT_QUERIES_PER_SECOND, ImmError } from '@simclust/contracts';
import type { GatewayConfig } from '@simclust/config';
import { CONFIG, REDIS } from '@simclust/runtime';
import type { Principal, ResourceScope } from '../imm/action';
import { ProjectLimitsRepository } from './project-limits.repository';
import { redisCall } from './redis-call';

/** How long a project's ProjectQueriesPerSecond is reused before it is read again (UpdateProject applies within it). */
const PROJECT_LIMIT_TTL_MS = 1_000;
const PROJECT_LIMIT_CACHE_MAX = 10_000;

/**
 * Fixed one-second windows counted in Redis, so every gateway instance shares one limit: the key's counter, then
 * (unless the key is already over) the project's, in one round trip. Returns 0, or 1/2 for the key/project over.
 */
const COUNT = `
local key = redis.call('INCR', KEYS[1])
if key == 1 then redis.call('PEXPIRE', KEYS[1], 2000) end
if key > tonumber(ARGV[1]) then return 1 end
if #KEYS == 1 then return 0 end
local project = redis.call('INCR', KEYS[2])
if project == 1 then redis.call('PEXPIRE', KEYS[2], 2000) end
if project > tonumber(ARGV[2]) then return 2 end
return 0
`;

/** Per-key and per-project request rates (contract.md: 429 Throttling with Retry-After). */
@Injectable()
export class RateLimiter {
  private readonly projectLimits = new Map<string, { qps: number; until: number }>();
  private readonly prefix: string;

  constructor(
    @Inject(CONFIG) private readonly config: GatewayConfig,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly projects: ProjectLimitsRepository,
  ) {
    this.prefix = `simclust:${config.SIMCLUST_REGION}:${config.SIMCLUST_ACCOUNT}:rate`;
  }

  /** Counts one call of `principal` on `scope`; throws Throttling when its key or its project is over the limit. */
  async admit(principal: Principal, scope: ResourceScope): Promise<void> {
    const now = Date.now();
    const second = Math.floor(now / 1000);
    const keys = [`${this.prefix}:key:${principal.accessKeyId}:${second}`];
    const limits = [String(this.config.KEY_QUERIES_PER_SECOND)];
    if (scope.kind !== 'global') {
      keys.push(`${this.prefix}:project:${scope.project}:${second}`);
      limits.push(String(await this.projectLimit(scope.project, now)));
    }
    const over = await redisCall(this.redis, 'the rate limiter', (r) => r.eval(COUNT, keys.length, ...keys, ...limits));
    // Windows are whole seconds, so the next one is at most a second away.
    if (over === 1) throw ImmError.throttled(`the access key ${principal.accessKeyId}`, 1);
    if (over === 2 && scope.kind !== 'global') throw ImmError.throttled(`the project ${scope.project}`, 1);
  }

  private async projectLimit(project: string, now: number): Promise<number> {
    const cached = this.projectLimits.get(project);
    if (cached && cached.until > now) return cached.qps;
    // A project that does not exist yet (CreateProject, or a call about to answer 404) counts at the default.
    const qps = (await this.projects.queriesPerSecond(project)) ?? DEFAULT_PROJECT_QUERIES_PER_SECOND;
    if (this.projectLimits.size >= PROJECT_LIMIT_CACHE_MAX) this.projectLimits.clear();
    this.projectLimits.set(project, { qps, until: now + PROJECT_LIMIT_TTL_MS });
    return qps;
  }
}
