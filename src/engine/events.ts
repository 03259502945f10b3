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
       * One model response of the session's own conversation, with its token usage. The SDK may split a response
       * into several messages that repeat the same id and usage: count each `messageId` once.
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
  | {
      type: 'result';
      /** False when the SDK flagged the result as an error, whatever its subtype. */
      ok: boolean;
      subtype: string;
      /** The final assistant text on success. */
      text: string | undefined;
      errors: string[];
      terminalReason: string | undefined;
      usage: TokenUsage;
      costUsd: number;
      numTurns: number;
      durationMs: number;
      sessionId: string;
    }
  | {
      type: 'error';
      /** `aborted`: the caller aborted; `engine`: the SDK or its CLI failed. */
      kind: 'aborted' | 'engine';
      message: string;
    };

export type EngineEventType = EngineEvent['type'];
