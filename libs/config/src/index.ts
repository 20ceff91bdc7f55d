export { findRepoRoot, readEnvironment } from './env-file';
export { ConfigError, loadConfig, parseConfig, type AppName } from './load';
export type { ClusteringWorkerConfig, CommonConfig, GatewayConfig, IndexerConfig, NotificationsConfig } from './schema';
