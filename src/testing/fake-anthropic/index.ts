/**
 * A fake Anthropic Messages API that plays scripted scenarios, for testing Claude Code / Agent SDK drivers
 * offline. Published as `claude-harness/fake-anthropic`. See docs/fake-model.md.
 */

export { type FakeModelCommandOptions, runFakeModelCommand } from './command.js';
export type { RecordedAuth, RecordedRequest, RequestKind, RequestOutcome } from './recording.js';
export { BEYOND_SCENARIO_TEXT, EXPECTATION_FAILED_PREFIX, SIDE_REQUEST_TEXT } from './replies.js';
export {
  FAULT_TYPES,
  type FaultType,
  loadScenario,
  parseScenario,
  type Scenario,
  type ScenarioContentBlock,
  type ScenarioExpect,
  type ScenarioFault,
  type ScenarioInput,
  type ScenarioSession,
  type ScenarioTurn,
  scenarioSchema,
} from './scenario.js';
export { type FakeAnthropicServer, type StartFakeAnthropicOptions, startFakeAnthropic } from './server.js';
export type { FakeAnthropicProgress } from './turn-ledger.js';
