import type {
  CanUseTool,
  HookCallbackMatcher,
  HookEvent,
  McpServerConfig,
  Options,
  SandboxSettings,
  SDKUserMessage,
  SettingSource,
} from '@anthropic-ai/claude-agent-sdk';
import { buildChildEnv, type Env } from './env.js';
import type { EngineEvent, SessionResult } from './events.js';
import { createClaudeProcessSpawner } from './process-tree.js';
import { INITIAL_TRANSLATION, translate, translateEnd } from './translate.js';

/** One agent session: a fresh `query()` in the project directory. */
export interface SessionRequest {
  projectDir: string;
  prompt: string;
  model: string;
  /** Appended to Claude Code's own system prompt. */
  systemPromptAppend?: string;
  hooks?: Partial<Record<HookEvent, HookCallbackMatcher[]>>;
  /**
   * Approves calls the permission mode does not approve by itself (Bash, MCP tools). Guards belong in a
   * PreToolUse hook, which sees every call; the default approves everything that reaches it.
   */
  canUseTool?: CanUseTool;
  mcpServers?: Record<string, McpServerConfig>;
  /** Tools approved without asking (the harness's own MCP tools). */
  allowedTools?: readonly string[];
  sandbox?: SandboxSettings;
  /** The environment to start from; defaults to `process.env`. */
  baseEnv?: Env;
  /** Variables set on top of `baseEnv` for the CLI child. */
  env?: Env;
  signal?: AbortSignal;
  /**
   * What `signal` does. 0 (the default): kill the CLI's process tree at once. More: interrupt the session
   * first, as a user would, and wait this long (ms) for the CLI's result, which says what the session cost
   * (`stopResult` of the final `aborted` event); the tree is killed when it comes or when the time is up.
   */
  stopGraceMs?: number;
  maxTurns?: number;
  /** The SDK ends the session with an `error_max_budget_usd` result once it has cost this much. */
  maxBudgetUsd?: number;
  /** Which settings files the CLI loads; none by default, so a user's settings cannot change a run. */
  settingSources?: SettingSource[];
  /** Lines the CLI writes to stderr. */
  onStderr?: (chunk: string) => void;
  /** Called with the CLI's pid once it is spawned. */
  onSpawn?: (pid: number) => void;
  /** Path to a `claude` executable; the SDK's bundled one by default. */
  pathToClaudeCodeExecutable?: string;
}

const allowEverything: CanUseTool = async (_name, input) => ({ behavior: 'allow', updatedInput: input });

export function buildQueryOptions(
  request: SessionRequest,
  abortController: AbortController,
  spawnClaudeCodeProcess: NonNullable<Options['spawnClaudeCodeProcess']>,
): Options {
  const options: Options = {
    cwd: request.projectDir,
    model: request.model,
    abortController,
    // bypassPermissions is refused when running as root; acceptEdits + hooks + canUseTool works for all.
    permissionMode: 'acceptEdits',
    canUseTool: request.canUseTool ?? allowEverything,
    settingSources: request.settingSources ?? [],
    env: buildChildEnv(request.baseEnv ?? process.env, request.env),
    spawnClaudeCodeProcess,
    mcpServersDelivery: 'initialize',
    // The stream events: only `message_delta` has a response's final usage (see translate.ts). Measured: one
    // SDK message per streamed delta (thousands per session), 20-40 µs of this process's CPU each, no hook calls.
    includePartialMessages: true,
  };
  if (request.systemPromptAppend !== undefined) {
    options.systemPrompt = { type: 'preset', preset: 'claude_code', append: request.systemPromptAppend };
  } else {
    options.systemPrompt = { type: 'preset', preset: 'claude_code' };
  }
  if (request.hooks) options.hooks = request.hooks;
  if (request.mcpServers) options.mcpServers = request.mcpServers;
  if (request.allowedTools) options.allowedTools = [...request.allowedTools];
  if (request.sandbox) options.sandbox = request.sandbox;
  if (request.maxTurns !== undefined) options.maxTurns = request.maxTurns;
  if (request.maxBudgetUsd !== undefined) options.maxBudgetUsd = request.maxBudgetUsd;
  if (request.pathToClaudeCodeExecutable !== undefined) {
    options.pathToClaudeCodeExecutable = request.pathToClaudeCodeExecutable;
  }
  return options;
}

/**
 * Runs one session and yields its events. The stream always ends with exactly one `result` or `error`
 * event, and when the generator finishes (normally, by abort, or because the consumer stopped early) the
 * CLI and every process it started are gone.
 */
export async function* runSession(request: SessionRequest): AsyncGenerator<EngineEvent, void, undefined> {
  const abortController = new AbortController();
  const graceMs = request.stopGraceMs ?? 0;
  /** Set once the caller has asked the session to stop. */
  let stopping = false;
  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  let interrupt: (() => Promise<unknown>) | undefined;
  const onStop = () => {
    if (stopping) return;
    stopping = true;
    if (graceMs <= 0 || interrupt === undefined) {
      abortController.abort(request.signal?.reason);
      return;
    }
    // The CLI stops its turn (killing a running tool) and answers with a result; the abort is the backstop.
    graceTimer = setTimeout(() => abortController.abort(request.signal?.reason), graceMs);
    interrupt().catch(() => abortController.abort(request.signal?.reason));
  };
  // A stop before the CLI is started kills at once: there is nothing to interrupt yet.
  if (request.signal?.aborted) onStop();
  request.signal?.addEventListener('abort', onStop, { once: true });

  const spawner = createClaudeProcessSpawner(request.onStderr);
  const spawn: NonNullable<Options['spawnClaudeCodeProcess']> = (spawnOptions) => {
    const child = spawner.spawn(spawnOptions);
    const pid = spawner.processes.at(-1)?.pid;
    if (pid !== undefined) request.onSpawn?.(pid);
    return child;
  };
  // Do not wait for the SDK's 2 s graceful-close window: an abort stops the whole tree now.
  const killOnAbort = () => void spawner.terminateAll();
  abortController.signal.addEventListener('abort', killOnAbort, { once: true });

  // Streaming input (the prompt as a one-message stream kept open until the session ends): the mode in which
  // the SDK documents `interrupt()`.
  let endInput: () => void = () => {};
  const inputEnded = new Promise<void>((resolve) => {
    endInput = resolve;
  });
  async function* input(prompt: string): AsyncGenerator<SDKUserMessage, void, undefined> {
    yield { type: 'user', message: { role: 'user', content: prompt }, parent_tool_use_id: null };
    await inputEnded;
  }

  let finished = false;
  let translation = INITIAL_TRANSLATION;
  const stopped = (stopResult?: SessionResult): EngineEvent => ({
    type: 'error',
    kind: 'aborted',
    message: 'The session was aborted.',
    ...(stopResult ? { stopResult } : {}),
  });
  /** The session ended without a result: the turns still open, then why (a stop, or what failed). */
  function* unfinished(engineFailure: string): Generator<EngineEvent, void, undefined> {
    finished = true;
    yield* translateEnd(translation);
    yield abortController.signal.aborted || stopping
      ? stopped()
      : { type: 'error', kind: 'engine', message: engineFailure };
  }
  try {
    // Lazy: the SDK is the heaviest module we load; `--help` and bad-input paths never pay for it.
    const { query } = await import('@anthropic-ai/claude-agent-sdk');
    const stream = query({
      prompt: input(request.prompt),
      options: buildQueryOptions(request, abortController, spawn),
    });
    interrupt = () => stream.interrupt();
    for await (const message of stream) {
      const step = translate(translation, message);
      translation = step.state;
      for (const event of step.events) {
        if (event.type === 'result' && stopping) {
          // The CLI's answer to the interrupt: the session ends as the caller asked, with what it cost.
          const { type: _type, ...stopResult } = event;
          finished = true;
          yield stopped(stopResult);
          break;
        }
        yield event;
        if (event.type === 'result') finished = true;
      }
      // The result message ends the session; do not wait for the CLI to wind down.
      if (finished) break;
    }
    if (!finished) yield* unfinished('The agent ended without a result.');
  } catch (error) {
    if (!finished) yield* unfinished(describeError(error));
  } finally {
    clearTimeout(graceTimer);
    endInput();
    request.signal?.removeEventListener('abort', onStop);
    abortController.signal.removeEventListener('abort', killOnAbort);
    if (!abortController.signal.aborted) abortController.abort();
    await spawner.terminateAll();
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
