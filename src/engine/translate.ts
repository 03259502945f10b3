import type { SDKMessage } from '@anthropic-ai/claude-agent-sdk';
import type { EngineEvent, TokenUsage } from './events.js';

/** Turns one SDK message into zero or more harness events. Pure: no I/O, no clock. */
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
      const usage = message.message.usage;
      const events: EngineEvent[] = [
        {
          type: 'turn',
          messageId: message.message.id,
          usage: {
            inputTokens: usage?.input_tokens ?? 0,
            outputTokens: usage?.output_tokens ?? 0,
            cacheReadInputTokens: usage?.cache_read_input_tokens ?? 0,
            cacheCreationInputTokens: usage?.cache_creation_input_tokens ?? 0,
          },
        },
      ];
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
      return [
        {
          type: 'result',
          ok: isSuccess && !message.is_error,
          subtype: message.subtype,
          text: isSuccess ? message.result : undefined,
          errors: isSuccess ? [] : [...message.errors],
          terminalReason: message.terminal_reason,
          usage,
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
