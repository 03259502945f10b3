/**
 * Telling agent conversations apart and picking the scenario session for each agent request.
 *
 * - A request's turn is the number of assistant messages it holds: the CLI prepends environment and
 *   system-reminder user messages, so message counts mean nothing.
 * - A request with no assistant message starts a new conversation, which takes the next scenario session -
 *   unless the current session's first turn has not been delivered yet: then it is a retry of that turn.
 * - Conversation ids: Claude Code 2.1.x sends `X-Claude-Code-Session-Id` (one id per CLI session) and, for
 *   subagents, `x-claude-code-agent-id`; `metadata.user_id` carries the same session id (JSON with
 *   `session_id`, or older `…_session_<uuid>` strings). With an id, follow-up requests of interleaved
 *   conversations go to their own session. Verified with Claude Code 2.1.332: a subagent's requests carry the
 *   parent's session id plus the agent id, and the Agent tool runs in the background, so the main
 *   conversation's next request arrives after the subagent's; without the id it would be routed to the
 *   subagent's session.
 */

import type { IncomingHttpHeaders } from 'node:http';
import { isObject, type JsonObject } from './request-body.js';
import type { TurnLedger } from './turn-ledger.js';

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  if (Array.isArray(value)) return value.join(', ');
  return value === undefined || value === '' ? undefined : value;
}

/** The session id from `metadata.user_id`: JSON `{ session_id }` now, `…_session_<uuid>` in older CLIs. */
function sessionIdOfUserId(userId: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(userId);
    return isObject(parsed) && typeof parsed.session_id === 'string' ? parsed.session_id : undefined;
  } catch {
    return /_session_([0-9A-Za-z-]{8,})/.exec(userId)?.[1];
  }
}

/** `session` or `session/agent` for a subagent; `undefined` when the client sends no id. */
export function conversationIdOf(headers: IncomingHttpHeaders, body: JsonObject): string | undefined {
  let session = headerValue(headers, 'x-claude-code-session-id');
  if (session === undefined && isObject(body.metadata) && typeof body.metadata.user_id === 'string') {
    session = sessionIdOfUserId(body.metadata.user_id);
  }
  if (session === undefined) return undefined;
  const agent = headerValue(headers, 'x-claude-code-agent-id');
  return agent === undefined ? session : `${session}/${agent}`;
}

export interface Route {
  /** The scenario session the request belongs to; `undefined` beyond the scenario. */
  sessionIndex: number | undefined;
  /** Set when the request started a new conversation while the previous session still had turns to play. */
  abandoned?: { sessionIndex: number; unplayedTurns: number };
}

export class ConversationRouter {
  readonly #ledger: TurnLedger;
  readonly #sessionCount: number;
  /** Scenario session started by each conversation id. */
  readonly #bindings = new Map<string, number>();
  #current = -1;

  constructor(ledger: TurnLedger) {
    this.#ledger = ledger;
    this.#sessionCount = ledger.scenario.sessions.length;
  }

  /** Index of the session most recently started; -1 before the first; the session count once past the end. */
  get current(): number {
    return this.#current;
  }

  /** Routes an agent request holding `assistantCount` assistant messages. */
  route(assistantCount: number, conversationId: string | undefined): Route {
    if (conversationId !== undefined) {
      const known = this.#bindings.get(conversationId);
      if (known !== undefined && (assistantCount > 0 || this.#ledger.firstTurnPending(known))) {
        return { sessionIndex: known };
      }
    }
    if (assistantCount > 0) {
      const inScenario = this.#current >= 0 && this.#current < this.#sessionCount;
      return { sessionIndex: inScenario ? this.#current : undefined };
    }
    if (this.#ledger.firstTurnPending(this.#current)) return this.#bind(this.#current, conversationId);
    const unplayedTurns = this.#ledger.unplayedIn(this.#current);
    const previous = this.#current;
    this.#current = Math.min(this.#current + 1, this.#sessionCount);
    const route = this.#bind(this.#current, conversationId);
    return unplayedTurns > 0 ? { ...route, abandoned: { sessionIndex: previous, unplayedTurns } } : route;
  }

  #bind(index: number, conversationId: string | undefined): Route {
    if (index >= this.#sessionCount) return { sessionIndex: undefined };
    if (conversationId !== undefined) this.#bindings.set(conversationId, index);
    return { sessionIndex: index };
  }
}
