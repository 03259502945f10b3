export type { Env } from './env.js';
export type { EngineEvent, EngineEventType, TokenUsage } from './events.js';
export { runSession, type SessionRequest } from './session.js';
