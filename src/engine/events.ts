/**
 * What one agent session looks like to the rest of the harness: a discriminated union, produced from the
 * SDK's message stream by `translate.ts`. Nothing outside `src/engine/` reads SDK message types.
 */

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheCreationInputTokens: number;
}

/** The CLI's result message: how the session ended and what it cost. */
export interface SessionResult {
  /** False when the SDK flagged the result as an error, whatever its subtype. */
  ok: boolean;
  subtype: string;
  /** The final assistant text on success. */
  text: string | undefined;
  errors: string[];
  terminalReason: string | undefined;
  /**
   * The session's usage as the result reports it. It can leave out the last response: the one a
   * `--max-budget-usd` cap stopped after, or one cut off by a stop.
   */
  usage: TokenUsage;
  /**
   * The result's `modelUsage` summed over models: every model call of the query, subagents and calls cut off
   * mid-response (with estimated output) included. Absent when the CLI sent none.
   */
  modelUsage?: TokenUsage;
  /** What the CLI prices the session at (list prices unless configured otherwise): an estimate. */
  costUsd: number;
  numTurns: number;
  durationMs: number;
  sessionId: string;
}

export type EngineEvent =
  | {
      type: 'session_start';
      sessionId: string;
      model: string;
      cwd: string;
      tools: string[];
      permissionMode: string;
      claudeCodeVersion: string;
    }
  | {
      /**
       * One model response of the session's own conversation, emitted once, when the response ends, with its
       * final usage (the stream's `message_delta`; the SDK's assistant messages only carry the usage of
       * `message_start`). A response cut off before its end (a stop, a broken stream) carries what was known:
       * its input tokens and the output the CLI estimated, if any. Subagent responses are not turns.
       */
      type: 'turn';
      messageId: string;
      usage: TokenUsage;
    }
  | { type: 'assistant_text'; text: string }
  | { type: 'tool_call'; id: string; name: string; input: Record<string, unknown> }
  | { type: 'tool_result'; id: string; isError: boolean; content: string }
  | {
      type: 'api_retry';
      attempt: number;
      maxRetries: number;
      delayMs: number;
      status: number | null;
      error: string;
    }
  | ({ type: 'result' } & SessionResult)
  | {
      type: 'error';
      /** `aborted`: the caller aborted; `engine`: the SDK or its CLI failed. */
      kind: 'aborted' | 'engine';
      message: string;
      /**
       * The CLI's own result for a session stopped with a grace period (`stopGraceMs`) that ended within it:
       * what the session had cost when it stopped (subtype `error_during_execution`). Absent when the
       * session was killed without one.
       */
      stopResult?: SessionResult;
    };

export type EngineEventType = EngineEvent['type'];
