import { Global, Inject, Injectable, Module, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import pg from 'pg';
import type { Counter, Registry } from 'prom-client';
import type { GatewayConfig } from '@simclust/config';
import { counter, type Logger } from '@simclust/observability';
import { CONFIG, LOGGER, METRICS } from '@simclust/runtime';
import type { SerializedAnswer } from '../imm/action';

/** The channel the database's triggers notify with a dataset id when one of its cluster pages may have changed. */
export const CLUSTER_PAGES_CHANNEL = 'simclust_cluster_pages';
/** Pages kept, and their bytes: about the first pages of a few hundred datasets at 100 clusters a page. */
const MAX_ENTRIES = 2_000;
const MAX_BYTES = 64 * 1024 * 1024;
const RECONNECT_MS = [250, 1_000, 5_000];

interface Entry {
  datasetId: string;
  answer: SerializedAnswer;
}

/** Taken before a page is read: the page may be cached only if nothing about its dataset changed since. */
export interface ReadTicket {
  seq: number;
  connection: number;
}

/**
 * Serialized QuerySimilarImageClusters pages, valid while the database has not said otherwise: triggers on clusters,
 * members, member files and datasets notify CLUSTER_PAGES_CHANNEL at commit, and the pages of that dataset are
 * dropped. While the LISTEN connection is down nothing is cached or served from the cache (a notification could be
 * missed); a page read while its dataset changed is not kept. Writes made through this gateway also drop the pages
 * at once, so a caller reads its own writes without waiting for the notification.
 */
@Injectable()
export class ClusterPageCache implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly entries = new Map<string, Entry>();
  private readonly keysOf = new Map<string, Set<string>>();
  /** For each dataset, the notification sequence number of its last change. */
  private readonly changedAt = new Map<string, number>();
  private seq = 0;
  private bytes = 0;
  /** Increases whenever the listener connects or is lost; 0 while none is live. */
  private connection = 0;
  private live = false;
  private client?: pg.Client;
  private stopped = false;
  private reconnectTimer?: NodeJS.Timeout;
  private attempts = 0;
  private readonly lookups: Counter<string>;

  constructor(
    @Inject(CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(METRICS) metrics: Registry,
  ) {
    this.lookups = counter(metrics, 'simclust_gateway_cluster_page_cache_total', 'Cluster page lookups by result', ['result']);
  }

  onApplicationBootstrap(): void {
    void this.listen();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.lost();
    await this.client?.end().catch(() => undefined);
  }

  /** Whether pages are being cached (the listener is connected). */
  get listening(): boolean {
    return this.live;
  }

  get(key: string): SerializedAnswer | undefined {
    const entry = this.live ? this.entries.get(key) : undefined;
    this.lookups.inc({ result: entry ? 'hit' : 'miss' });
    if (!entry) return undefined;
    // Least recently used first: a hit moves the key to the end.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.answer;
  }

  ticket(): ReadTicket {
    return { seq: this.seq, connection: this.live ? this.connection : -1 };
  }

  /** Keeps a page read under `ticket`, unless its dataset changed or the listener was lost since. */
  set(key: string, datasetId: string, answer: SerializedAnswer, ticket: ReadTicket): void {
    if (!this.live || ticket.connection !== this.connection || (this.changedAt.get(datasetId) ?? -1) > ticket.seq) return;
    this.remove(key);
    this.entries.set(key, { datasetId, answer });
    this.bytes += answer.fields.length;
    let keys = this.keysOf.get(datasetId);
    if (!keys) this.keysOf.set(datasetId, (keys = new Set()));
    keys.add(key);
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= MAX_ENTRIES && this.bytes <= MAX_BYTES) break;
      this.remove(oldest);
    }
  }

  /** Drops every page of the dataset (a write through this gateway, or the database's notification). */
  invalidate(datasetId: string): void {
    this.changedAt.set(datasetId, ++this.seq);
    for (const key of this.keysOf.get(datasetId) ?? []) this.remove(key);
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.answer.fields.length;
    const keys = this.keysOf.get(entry.datasetId);
    keys?.delete(key);
    if (keys && keys.size === 0) this.keysOf.delete(entry.datasetId);
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.config.DATABASE_URL, application_name: 'simclust-gateway-cluster-pages' });
    this.client = client;
    client.on('notification', (n) => n.payload && this.invalidate(n.payload));
    client.on('error', (err) => this.log.warn({ err }, 'cluster page listener failed; pages are not cached until it is back'));
    client.on('end', () => {
      this.lost();
      this.retry();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CLUSTER_PAGES_CHANNEL}`);
      if (this.stopped) return;
      // Anything cached before this connection may have missed a notification while none was live.
      this.clear();
      this.connection++;
      this.live = true;
      this.attempts = 0;
    } catch (err) {
      this.log.warn({ err }, 'cluster page listener could not connect; pages are not cached until it does');
      await client.end().catch(() => undefined);
      this.retry();
    }
  }

  private lost(): void {
    if (!this.live) return;
    this.live = false;
    this.connection++;
    this.clear();
  }

  private retry(): void {
    if (this.stopped || this.reconnectTimer) return;
    const delay = RECONNECT_MS[Math.min(this.attempts++, RECONNECT_MS.length - 1)];
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.listen();
    }, delay);
    this.reconnectTimer.unref();
  }

  private clear(): void {
    this.entries.clear();
    this.keysOf.clear();
    this.bytes = 0;
  }
}

/** The page cache, for the cluster queries and every write that can change a page. */
@Global()
@Module({ providers: [ClusterPageCache], exports: [ClusterPageCache] })
export class ClusterPageCacheModule {}
