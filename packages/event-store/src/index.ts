export { connectNats, type ConnectNatsOptions } from './connect.ts';
export { CONSUME_EXPIRES_MS } from './consume-options.ts';
export { VersionConflictError } from './errors.ts';
export {
  EventLog,
  decodeEvent,
  decodeLogEvent,
  type AppendOptions,
  type AppendResult,
  type StoredContactEvent,
  type StoredEvent,
} from './event-log.ts';
export { openJetStream, type JetStreamContext } from './jetstream.ts';
export { ensureStreams, isNotFound, streamConfigs, type StreamSettings } from './streams.ts';
export {
  ensureDurableIdentityConsumer,
  type DurableIdentityConsumerOptions,
} from './durable-consumer.ts';
