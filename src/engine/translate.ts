import type { SDKMessage } from '@anthropic-ai/claude-agent-sdk';
import type { EngineEvent, TokenUsage } from './events.js';

/**
 * Translation of the SDK's message stream into harness events. Pure: no I/O, no clock; what one message
 * needs from the ones before it is passed in and out as a `TranslationState`.
 *
 * `turn` events need the stream events (`includePartialMessages`): the SDK's assistant messages carry the
 * usage of `message_start` (1 output token or so), and only `message_delta` has a response's final usage.
 */

/** What translating one message needs to know about the messages before it. */
export interface TranslationState {
  /** The session's response being streamed: its `message_start` was seen, its `message_delta` not yet. */
  readonly streaming: { readonly messageId: string; readonly usage: TokenUsage } | undefined;
  /** The last response a `turn` was emitted for (the SDK repeats a response's id on each of its messages). */
  readonly counted: string | undefined;
}

export const INITIAL_TRANSLATION: TranslationState = { streaming: undefined, counted: undefined };

export interface Translation {
  state: TranslationState;
  events: EngineEvent[];
}

/** The events of one SDK message, and the state to translate the next one with. */
export function translate(state: TranslationState, message: SDKMessage): Translation {
  const turns = trackTurns(state, message);
  const events = translateMessage(message);
  return { state: turns.state, events: turns.events.length === 0 ? events : [...turns.events, ...events] };
}

/**
 * The events owed when the message stream ends (a stop, a crash): the turn of a response cut off before its
 * `message_delta`, with the usage its `message_start` reported.
 */
export function translateEnd(state: TranslationState): EngineEvent[] {
  return state.streaming ? [turnEvent(state.streaming.messageId, state.streaming.usage)] : [];
}

/**
 * One `turn` per response of the session's own conversation, with its final usage: emitted at the
 * response's `message_delta`; for a response that was not streamed (no `message_start`: partial messages
 * off, or the CLI's non-streaming fallback) at its first assistant message, whose usage is then final.
 */
function trackTurns(state: TranslationState, message: SDKMessage): Translation {
  switch (message.type) {
    case 'stream_event': {
      if (message.parent_tool_use_id !== null) return { state, events: [] };
      const event = message.event;
      if (event.type === 'message_start') {
        return {
          state: {
            ...state,
            streaming: { messageId: event.message.id, usage: apiUsage(event.message.usage) },
          },
          events: translateEnd(state),
        };
      }
      if (event.type === 'message_delta' && state.streaming) {
        const { messageId, usage } = state.streaming;
        const delta = event.usage;
        const final: TokenUsage = {
          inputTokens: delta.input_tokens ?? usage.inputTokens,
          outputTokens: delta.output_tokens ?? usage.outputTokens,
          cacheReadInputTokens: delta.cache_read_input_tokens ?? usage.cacheReadInputTokens,
          cacheCreationInputTokens: delta.cache_creation_input_tokens ?? usage.cacheCreationInputTokens,
        };
        return { state: { streaming: undefined, counted: messageId }, events: [turnEvent(messageId, final)] };
      }
      return { state, events: [] };
    }
    case 'assistant': {
      if (message.parent_tool_use_id !== null) return { state, events: [] };
      const id = message.message.id;
      if (id === state.streaming?.messageId || id === state.counted) return { state, events: [] };
      return {
        state: { streaming: undefined, counted: id },
        events: [...translateEnd(state), turnEvent(id, apiUsage(message.message.usage))],
      };
    }
    case 'result':
      return { state: { ...state, streaming: undefined }, events: translateEnd(state) };
    default:
      return { state, events: [] };
  }
}

interface ApiUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}

function apiUsage(usage: ApiUsage | null | undefined): TokenUsage {
  return {
    inputTokens: usage?.input_tokens ?? 0,
    outputTokens: usage?.output_tokens ?? 0,
    cacheReadInputTokens: usage?.cache_read_input_tokens ?? 0,
    cacheCreationInputTokens: usage?.cache_creation_input_tokens ?? 0,
  };
}

function turnEvent(messageId: string, usage: TokenUsage): EngineEvent {
  return { type: 'turn', messageId, usage };
}

/**
 * The events of one SDK message on its own: everything but `turn` (see `translate`). Session start, the
 * session's text, tool calls and results, API retries, the result.
 */
export function translateMessage(message: SDKMessage): EngineEvent[] {
  switch (message.type) {
    case 'system':
      if (message.subtype === 'init') {
        return [
          {
            type: 'session_start',
            sessionId: message.session_id,
            model: message.model,
            cwd: message.cwd,
            tools: [...message.tools],
            permissionMode: message.permissionMode,
            claudeCodeVersion: message.claude_code_version,
          },
        ];
      }
      if (message.subtype === 'api_retry') {
        return [
          {
            type: 'api_retry',
            attempt: message.attempt,
            maxRetries: message.max_retries,
            delayMs: message.retry_delay_ms,
            status: message.error_status,
            error: String(message.error),
          },
        ];
      }
      return [];
    case 'assistant': {
      // Subagent traffic (parent_tool_use_id set) is part of the parent's tool call, not the session's turn.
      if (message.parent_tool_use_id !== null) return [];
      const events: EngineEvent[] = [];
      for (const block of message.message.content) {
        if (block.type === 'text' && block.text.length > 0) {
          events.push({ type: 'assistant_text', text: block.text });
        } else if (block.type === 'tool_use') {
          events.push({ type: 'tool_call', id: block.id, name: block.name, input: asRecord(block.input) });
        }
      }
      return events;
    }
    case 'user': {
      if (message.parent_tool_use_id !== null) return [];
      const content = message.message.content;
      if (typeof content === 'string') return [];
      const events: EngineEvent[] = [];
      for (const block of content) {
        if (block.type === 'tool_result') {
          events.push({
            type: 'tool_result',
            id: block.tool_use_id,
            isError: block.is_error === true,
            content: toolResultText(block.content),
          });
        }
      }
      return events;
    }
    case 'result': {
      const usage: TokenUsage = {
        inputTokens: message.usage.input_tokens,
        outputTokens: message.usage.output_tokens,
        cacheReadInputTokens: message.usage.cache_read_input_tokens,
        cacheCreationInputTokens: message.usage.cache_creation_input_tokens,
      };
      const isSuccess = message.subtype === 'success';
      const modelUsage = sumModelUsage(message.modelUsage);
      return [
        {
          type: 'result',
          ok: isSuccess && !message.is_error,
          subtype: message.subtype,
          text: isSuccess ? message.result : undefined,
          errors: isSuccess ? [] : [...message.errors],
          terminalReason: message.terminal_reason,
          usage,
          ...(modelUsage ? { modelUsage } : {}),
          costUsd: message.total_cost_usd,
          numTurns: message.num_turns,
          durationMs: message.duration_ms,
          sessionId: message.session_id,
        },
      ];
    }
    default:
      return [];
  }
}

interface ModelUsageEntry {
  inputTokens?: number;
  outputTokens?: number;
  cacheReadInputTokens?: number;
  cacheCreationInputTokens?: number;
}

/** The result's per-model totals added up; undefined when there are none. */
function sumModelUsage(modelUsage: Record<string, ModelUsageEntry> | undefined): TokenUsage | undefined {
  const entries = Object.values(modelUsage ?? {});
  if (entries.length === 0) return undefined;
  const total: TokenUsage = {
    inputTokens: 0,
    outputTokens: 0,
    cacheReadInputTokens: 0,
    cacheCreationInputTokens: 0,
  };
  for (const entry of entries) {
    total.inputTokens += entry.inputTokens ?? 0;
    total.outputTokens += entry.outputTokens ?? 0;
    total.cacheReadInputTokens += entry.cacheReadInputTokens ?? 0;
    total.cacheCreationInputTokens += entry.cacheCreationInputTokens ?? 0;
  }
  return total;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : { value };
}

/** Tool results are a string or a list of content blocks; only the text matters to the harness. */
export function toolResultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((block: unknown) => {
      if (typeof block === 'object' && block !== null && 'type' in block) {
        const b = block as { type: unknown; text?: unknown };
        if (b.type === 'text' && typeof b.text === 'string') return b.text;
        return `[${String(b.type)}]`;
      }
      return '';
    })
    .join('\n');
}
