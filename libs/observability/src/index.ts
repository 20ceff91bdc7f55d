export { createLogger, type Logger } from './logger';
export { counter, createMetricsRegistry, histogram } from './metrics';
export { PinoNestLogger } from './nest-logger';
export { OpsModule, OPS_OPTIONS, type OpsOptions, type ReadinessCheck } from './ops.module';
