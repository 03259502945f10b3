/**
 * One harness session: a fresh agent session (src/engine) wrapped in what the harness enforces while it
 * runs — the guard hook (policy, paths, secrets, loops), the watchdog timers — and recorded as it goes
 * (live log, events.jsonl). It never throws for what the agent or the API does; it reports an outcome.
 */
import type { McpServerConfig, SandboxSettings } from '@anthropic-ai/claude-agent-sdk';
import type { Env } from '../engine/env.js';
import type { EngineEvent, SessionResult, TokenUsage } from '../engine/events.js';
import { runSession } from '../engine/session.js';
import { guardHook } from '../guards/pre-tool-use.js';
import type { Guard, GuardContext } from '../guards/types.js';
import type { SessionLog } from '../report/session-log.js';
import type { EventLog } from '../state/events.js';
import { type ApiFailure, classifyApiFailure } from './backoff.js';
import { LoopDetector, type LoopVerdict, loopGuard } from './loop-detector.js';
import { startWatchdog, type WatchdogExpiry } from './watchdog.js';

export interface SessionTimeouts {
  firstResponseMs: number;
  idleMs: number;
  sessionMs: number;
  toolAllowanceMs: number;
}

export interface HarnessSessionInput {
  sessionNumber: number;
  projectDir: string;
  prompt: string;
  model: string;
  baseEnv: Env;
  engineEnv?: Env | undefined;
  sandbox?: SandboxSettings | undefined;
  /** The harness's MCP server for this session, when it has one, and the tools to approve. */
  mcpServers?: Record<string, McpServerConfig> | undefined;
  allowedTools?: readonly string[] | undefined;
  timeouts: SessionTimeouts;
  /** Guards besides the loop detector, which every session gets. */
  guards: readonly Guard[];
  guardContext: GuardContext;
  /** The SDK's spending cap for this session (USD). */
  maxBudgetUsd?: number | undefined;
  /** The run's stop signal (Ctrl+C). */
  signal: AbortSignal;
  log: SessionLog;
  /** Redacts what it writes (redactEvents), as the log does what it prints. */
  events: EventLog;
  onSpawn?: (pid: number) => void;
}

export type HarnessSessionOutcome =
  /** The agent ended its turn normally (whether its work passes is decided by the caller). */
  | { kind: 'completed'; result: Extract<EngineEvent, { type: 'result' }> }
  /** A watchdog timer ran out. */
  | { kind: 'timeout'; expiry: WatchdogExpiry }
  /** The loop detector stopped a loop that went on after the agent was told. */
  | { kind: 'loop'; verdict: LoopVerdict }
  /** The model API failed beyond the CLI's own retries. */
  | { kind: 'api-error'; failure: ApiFailure }
  /** The session ended with an error that is not the API's (max turns, the CLI crashed…). */
  | { kind: 'error'; message: string }
  /** The user stopped the run. */
  | { kind: 'interrupted' };

export interface HarnessSessionReport {
  outcome: HarnessSessionOutcome;
  /** The CLI's result, when the session ended by itself (a session the harness stopped has none). */
  result: Extract<EngineEvent, { type: 'result' }> | undefined;
  /** What the session spent, as well as it is known: use this, not `result`, for costs and tokens. */
  spent: SessionSpent;
  sdkSessionId: string | undefined;
  toolCalls: number;
  denials: number;
}

/**
 * What a session spent. Tokens: the most of what the CLI's result says (its `usage`, or its per-model
 * totals) and the sum of the session's turns, field by field. The result's `usage` leaves out the response a
 * `--max-session-budget-usd` cap stopped after; a session the harness stopped has no result unless the CLI
 * answered the stop with one.
 */
export interface SessionSpent {
  inputTokens: number;
  outputTokens: number;
  /** The CLI's price of the session; undefined when it was stopped without saying (the harness never guesses). */
  costUsd: number | undefined;
  /** Model responses of the session's own conversation: the turns seen, else the result's count. */
  turns: number;
  /**
   * `result`: the CLI's result (of a session that ended, or its answer to a stop) has every figure;
   * `turns`: the session's turns have more in some field, or there is no result; `none`: nothing was spent
   * that the harness saw.
   */
  source: 'result' | 'turns' | 'none';
}

/** How long a stopped session has to answer with its result (what it cost) before its processes are killed. */
export const STOP_GRACE_MS = 3_000;

export async function runHarnessSession(input: HarnessSessionInput): Promise<HarnessSessionReport> {
  const abort = new AbortController();
  let stopCause: HarnessSessionOutcome | undefined;
  const stop = (cause: HarnessSessionOutcome) => {
    stopCause ??= cause;
    abort.abort();
  };
  const onRunStop = () => stop({ kind: 'interrupted' });
  if (input.signal.aborted) onRunStop();
  input.signal.addEventListener('abort', onRunStop, { once: true });

  const record = (type: string, fields: Record<string, unknown>) =>
    input.events.append({ type, session: input.sessionNumber, ...fields });

  const watchdog = startWatchdog({
    firstResponseMs: input.timeouts.firstResponseMs,
    idleMs: input.timeouts.idleMs,
    sessionMs: input.timeouts.sessionMs,
    toolAllowanceMs: input.timeouts.toolAllowanceMs,
    onExpire: (_reason, expiry) => stop({ kind: 'timeout', expiry }),
  });
  const detector = new LoopDetector();
  let denials = 0;
  let toolCalls = 0;
  const hook = guardHook(
    [loopGuard(detector, (verdict) => stop({ kind: 'loop', verdict })), ...input.guards],
    input.guardContext,
    (call, decision) => {
      if (decision.decision === 'allow') return;
      denials++;
      input.log.note(`    ⛔ ${decision.guard}: ${decision.reason}`);
      record('policy_denial', {
        tool: call.toolName,
        input: call.input,
        guard: decision.guard,
        rule: decision.rule,
        reason: decision.reason,
      });
    },
  );

  let result: Extract<EngineEvent, { type: 'result' }> | undefined;
  let sdkSessionId: string | undefined;
  let engineError: string | undefined;
  let lastApiRetry: Extract<EngineEvent, { type: 'api_retry' }> | undefined;
  let stopResult: SessionResult | undefined;
  const turns = new Map<string, TokenUsage>();
  try {
    for await (const event of runSession({
      projectDir: input.projectDir,
      prompt: input.prompt,
      model: input.model,
      baseEnv: input.baseEnv,
      ...(input.engineEnv ? { env: input.engineEnv } : {}),
      ...(input.sandbox ? { sandbox: input.sandbox } : {}),
      ...(input.mcpServers ? { mcpServers: input.mcpServers } : {}),
      ...(input.allowedTools ? { allowedTools: input.allowedTools } : {}),
      hooks: { PreToolUse: [hook] },
      ...(input.maxBudgetUsd !== undefined ? { maxBudgetUsd: input.maxBudgetUsd } : {}),
      signal: abort.signal,
      stopGraceMs: STOP_GRACE_MS,
      ...(input.onSpawn ? { onSpawn: input.onSpawn } : {}),
    })) {
      watchdog.observe(event);
      input.log.write(event);
      switch (event.type) {
        case 'session_start':
          sdkSessionId = event.sessionId;
          record('session_sdk_start', { sdkSessionId: event.sessionId, model: event.model });
          break;
        case 'tool_call':
          toolCalls++;
          record('tool_call', { id: event.id, tool: event.name, input: event.input });
          break;
        case 'tool_result':
          detector.recordResult(event);
          record('tool_result', { id: event.id, isError: event.isError, size: event.content.length });
          break;
        case 'api_retry':
          lastApiRetry = event;
          record('api_retry', { attempt: event.attempt, status: event.status, error: event.error });
          break;
        case 'turn':
          if (!turns.has(event.messageId)) turns.set(event.messageId, event.usage);
          break;
        case 'result':
          result = event;
          break;
        case 'error':
          if (event.kind === 'engine') engineError = event.message;
          stopResult = event.stopResult;
          break;
        default:
          break;
      }
    }
  } finally {
    watchdog.stop();
    input.signal.removeEventListener('abort', onRunStop);
  }

  const outcome = decideOutcome(stopCause, result, engineError, lastApiRetry);
  const spent = spentBy(result ?? stopResult, [...turns.values()]);
  return { outcome, result, spent, sdkSessionId, toolCalls, denials };
}

/** See `SessionSpent`. */
export function spentBy(result: SessionResult | undefined, turns: readonly TokenUsage[]): SessionSpent {
  const summed = { inputTokens: 0, outputTokens: 0 };
  for (const turn of turns) {
    summed.inputTokens += turn.inputTokens;
    summed.outputTokens += turn.outputTokens;
  }
  if (result === undefined) {
    return {
      ...summed,
      costUsd: undefined,
      turns: turns.length,
      source: turns.length > 0 ? 'turns' : 'none',
    };
  }
  const reported = {
    inputTokens: Math.max(result.usage.inputTokens, result.modelUsage?.inputTokens ?? 0),
    outputTokens: Math.max(result.usage.outputTokens, result.modelUsage?.outputTokens ?? 0),
  };
  const fromTurns = summed.inputTokens > reported.inputTokens || summed.outputTokens > reported.outputTokens;
  return {
    inputTokens: Math.max(reported.inputTokens, summed.inputTokens),
    outputTokens: Math.max(reported.outputTokens, summed.outputTokens),
    costUsd: result.costUsd,
    // The CLI's count also holds the turn a stop interrupted; the turns seen are the responses.
    turns: turns.length > 0 ? turns.length : result.numTurns,
    source: fromTurns ? 'turns' : 'result',
  };
}

function decideOutcome(
  stopCause: HarnessSessionOutcome | undefined,
  result: Extract<EngineEvent, { type: 'result' }> | undefined,
  engineError: string | undefined,
  lastApiRetry: Extract<EngineEvent, { type: 'api_retry' }> | undefined,
): HarnessSessionOutcome {
  if (stopCause) return stopCause;
  if (result?.ok) return { kind: 'completed', result };
  // A failed result or a crashed engine: the API's fault, or something else?
  const failureEvent =
    result ??
    (engineError !== undefined
      ? ({ type: 'error', kind: 'engine', message: engineError } as const)
      : undefined);
  if (failureEvent) {
    const failure = classifyApiFailure(failureEvent);
    if (failure && failure.kind !== 'other') return { kind: 'api-error', failure };
    // The CLI gave up after its own retries: the last retry says what the API answered.
    const retryFailure = lastApiRetry ? classifyApiFailure(lastApiRetry) : undefined;
    if (retryFailure && retryFailure.kind !== 'other') return { kind: 'api-error', failure: retryFailure };
    const message = result ? describeFailedResult(result) : (engineError ?? 'unknown error');
    return { kind: 'error', message };
  }
  return { kind: 'error', message: 'the agent ended without a result' };
}

function describeFailedResult(result: Extract<EngineEvent, { type: 'result' }>): string {
  const parts = [result.subtype, result.terminalReason, ...result.errors, result.text].filter(
    (p): p is string => typeof p === 'string' && p !== '',
  );
  return parts.join(': ');
}
