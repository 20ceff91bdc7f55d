export { RuntimeModule, type RuntimeOptions } from './runtime.module';
export { CONFIG, DB, LOGGER, METRICS, NATS, REDIS, SECRET_BOX, SUBJECTS } from './tokens';
export { TaskLifecycle, taskMessage, type TaskOutcome } from './task-lifecycle';
export { exitOnSignals, startWorkerApp, type WorkerApp } from './worker-bootstrap';
export { PeriodicPass } from './periodic-pass';
