/**
 * Checking a turn's `expect` against the request that asks for the turn. Each unmet check becomes one
 * sentence naming what was expected and what arrived, because the sentences end up in the agent's
 * transcript and in the test failure, where they must be enough to see what went wrong.
 */

import { isObject, type JsonObject, messagesOf, textOf, toolNamesOf } from './request-body.js';
import type { ScenarioExpect } from './scenario.js';

/** Long tool output would drown the message: quote at most this many characters. */
const CLIP = 300;

function clip(s: string): string {
  return JSON.stringify(s.length > CLIP ? `${s.slice(0, CLIP)}…` : s);
}

/** The last tool_result block of any user message: the result of the tool call the previous turn made. */
function lastToolResult(messages: JsonObject[]): JsonObject | undefined {
  let last: JsonObject | undefined;
  for (const message of messages) {
    if (message.role !== 'user' || !Array.isArray(message.content)) continue;
    for (const block of message.content) if (isObject(block) && block.type === 'tool_result') last = block;
  }
  return last;
}

function checkToolResult(expect: ScenarioExpect, messages: JsonObject[], resolve: (s: string) => string) {
  const last = lastToolResult(messages);
  if (last === undefined) return ['expected a tool_result block, but the request has none'];
  const unmet: string[] = [];
  const text = textOf(last.content);
  if (expect.lastToolResultContains !== undefined) {
    const wanted = resolve(expect.lastToolResultContains);
    if (!text.includes(wanted)) {
      unmet.push(`expected the last tool_result to contain ${clip(wanted)}, got ${clip(text)}`);
    }
  }
  const isError = last.is_error === true;
  if (expect.lastToolResultIsError !== undefined && isError !== expect.lastToolResultIsError) {
    unmet.push(
      `expected the last tool_result to have is_error ${expect.lastToolResultIsError}, got ${isError} (${clip(text)})`,
    );
  }
  return unmet;
}

/**
 * The unmet checks of `expect` against a request body; empty when every given check holds. `resolve`
 * substitutes variables in the expected strings (it is called only for the checks that are evaluated).
 */
export function unmetExpectations(
  expect: ScenarioExpect,
  body: JsonObject,
  resolve: (text: string) => string,
): string[] {
  const unmet: string[] = [];
  const messages = messagesOf(body);
  if (expect.lastToolResultContains !== undefined || expect.lastToolResultIsError !== undefined) {
    unmet.push(...checkToolResult(expect, messages, resolve));
  }
  if (expect.systemContains !== undefined) {
    const wanted = resolve(expect.systemContains);
    const system = textOf(body.system);
    if (!system.includes(wanted)) {
      unmet.push(
        `expected the system prompt to contain ${clip(wanted)} (system prompt has ${system.length} chars)`,
      );
    }
  }
  if (expect.toolsInclude !== undefined) {
    const names = toolNamesOf(body);
    const missing = expect.toolsInclude.map((name) => resolve(name)).filter((n) => !names.includes(n));
    if (missing.length > 0) {
      unmet.push(`expected tools ${missing.join(', ')}, the request offers ${names.join(', ') || 'none'}`);
    }
  }
  if (expect.userMessageContains !== undefined) {
    const wanted = resolve(expect.userMessageContains);
    const userText = messages
      .filter((m) => m.role === 'user')
      .map((m) => textOf(m.content))
      .join('\n');
    if (!userText.includes(wanted)) {
      unmet.push(`expected a user message containing ${clip(wanted)}, got ${clip(userText)}`);
    }
  }
  return unmet;
}
