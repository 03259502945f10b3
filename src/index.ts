/**
 * The library entry of claude-harness: the agent-session engine, the config resolver and the error types.
 * The fake Anthropic server has its own entry, `claude-harness/fake-anthropic`.
 */
export { CONFIG_FILE_NAME, DEFAULTS, MODES, type Mode, type RunConfig } from './config/types.js';
export type { EngineEvent, EngineEventType, Env, SessionRequest, TokenUsage } from './engine/index.js';
export { runSession } from './engine/index.js';
export {
  AuthError,
  ConfigError,
  EngineError,
  ExitCode,
  HarnessError,
  InterruptedError,
  isHarnessError,
  UsageError,
} from './errors/index.js';
