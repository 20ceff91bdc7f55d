import { z } from 'zod';
import { findRepoRoot, readEnvironment } from './env-file';
import {
  clusteringWorkerSchema,
  gatewaySchema,
  indexerSchema,
  notificationsSchema,
  type ClusteringWorkerConfig,
  type GatewayConfig,
  type IndexerConfig,
  type NotificationsConfig,
} from './schema';

export class ConfigError extends Error {}

const schemas = {
  gateway: gatewaySchema,
  indexer: indexerSchema,
  'clustering-worker': clusteringWorkerSchema,
  notifications: notificationsSchema,
};
export type AppName = keyof typeof schemas;
interface ConfigOf {
  gateway: GatewayConfig;
  indexer: IndexerConfig;
  'clustering-worker': ClusteringWorkerConfig;
  notifications: NotificationsConfig;
}

/** Validates an environment; throws ConfigError with one line naming every bad variable. */
export function parseConfig<A extends AppName>(app: A, env: Record<string, string | undefined>, root = findRepoRoot()): ConfigOf[A] {
  // Empty strings mean "unset", as in most .env tooling.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = (schemas[app](root) as z.ZodType).safeParse(cleaned);
  if (!result.success) {
    const reasons = result.error.issues.map((i) => `${i.path.join('.')} ${i.message}`);
    throw new ConfigError(`invalid configuration: ${reasons.join('; ')}`);
  }
  return result.data as ConfigOf[A];
}

/** Loads and validates the app's configuration once at start; a bad value exits with one clear line. */
export function loadConfig<A extends AppName>(app: A): ConfigOf[A] {
  try {
    return parseConfig(app, readEnvironment());
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`simclust ${app}: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
