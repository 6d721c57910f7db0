export { developmentSecret } from './dev-secrets.ts';
export { connectOrStartNats, type NatsForDevelopment } from './nats-server.ts';
export { startSystem, type RunningSystem, type SystemOptions } from './system.ts';
