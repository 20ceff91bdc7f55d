export { ACK_WAIT_MS, JetStreamPublisher, connectNats, ensureJetStream, pingJetStream, type PublishResult } from './nats';
export { JetStreamContext, JetStreamServer, PermanentMessageError, type JetStreamBinding, type JetStreamServerOptions } from './jetstream.server';
export { createRedis, pingRedis } from './redis';
