/**
 * Answering an agent request (one that offers tools): find its scenario turn, then inject the turn's fault or
 * play the turn. A request the scenario has no turn for is answered with a fixed text and recorded as a
 * failure, so the agent ends its turn and the test sees why.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConversationRouter } from './conversations.js';
import { dueFault, playFault } from './faults.js';
import type { RecordedRequest, RequestOutcome } from './recording.js';
import { BEYOND_SCENARIO_TEXT, textReply, turnReply } from './replies.js';
import type { JsonObject } from './request-body.js';
import { sessionLabel, type TurnLedger } from './turn-ledger.js';
import type { Reply } from './wire.js';

export interface AgentContext {
  variables: Record<string, string>;
  log: (line: string) => void;
  /** Records a failure (once per distinct message) and logs it. */
  fail: (message: string) => void;
  ledger: TurnLedger;
  router: ConversationRouter;
  nextId: (prefix: string) => string;
}

/** A parsed Messages request in flight, with the means to answer it. */
export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  record: RecordedRequest;
  body: JsonObject;
  requestId: string;
  model: string;
  logLine: (what: string) => void;
  /** Sends `reply`; `outcome` is recorded if it is written completely, then `onPlayed` runs. */
  answer: (reply: Reply, outcome: RequestOutcome, hangSeconds?: number, onPlayed?: () => void) => void;
}

/** Answers `x`, an agent request; recording its session, turn, fault and outcome on `x.record`. */
export function answerAgent(ctx: AgentContext, x: Exchange): void {
  const { record, logLine } = x;
  const mode = record.stream ? 'stream' : 'json';
  const { scenario } = ctx.ledger;
  record.kind = 'agent';
  const route = ctx.router.route(record.assistantMessageCount, record.conversationId);
  if (route.abandoned !== undefined) {
    const { sessionIndex, unplayedTurns } = route.abandoned;
    ctx.log(
      `${sessionLabel(scenario, sessionIndex)} left with ${unplayedTurns} unplayed turn(s): a new conversation began`,
    );
  }
  const { sessionIndex } = route;
  const session = sessionIndex === undefined ? undefined : scenario.sessions[sessionIndex];
  const turnIndex = record.assistantMessageCount;
  const turn = session?.turns[turnIndex];
  if (sessionIndex === undefined || session === undefined || turn === undefined) {
    const message =
      sessionIndex === undefined || session === undefined
        ? `request #${record.seq} starts or continues a conversation beyond the scenario's ${scenario.sessions.length} session(s)`
        : `${sessionLabel(scenario, sessionIndex)} has ${session.turns.length} turn(s), but request #${record.seq} asks for turn ${turnIndex + 1}`;
    if (sessionIndex !== undefined) record.sessionIndex = sessionIndex;
    logLine(`agent (${mode}) → beyond the scenario`);
    ctx.fail(message);
    x.answer(textReply(BEYOND_SCENARIO_TEXT, record.estimatedInputTokens), 'beyond_scenario');
    return;
  }
  record.sessionIndex = sessionIndex;
  record.turnIndex = turnIndex;
  const where = `${sessionLabel(scenario, sessionIndex)} turn ${turnIndex + 1}`;
  const turnLabel = `${where}/${session.turns.length}`;

  let hang = 0;
  const fault = dueFault(turn.fault, ctx.ledger.faultsFired(sessionIndex, turnIndex));
  if (fault !== undefined) {
    const fired = ctx.ledger.countFault(sessionIndex, turnIndex);
    record.fault = fault.type;
    logLine(`agent (${mode}) ${turnLabel} → fault ${fault.type} (${fired}/${fault.times})`);
    if (fault.type !== 'hang') {
      record.outcome = 'fault';
      record.status = playFault(fault, x.req, x.res, {
        stream: record.stream,
        model: x.model,
        requestId: x.requestId,
        nextId: ctx.nextId,
      });
      return;
    }
    hang = fault.seconds;
  }

  const { reply, expectationFailed, failures } = turnReply(turn, x.body, {
    where,
    variables: ctx.variables,
    estimatedInputTokens: record.estimatedInputTokens,
    nextId: ctx.nextId,
  });
  for (const failure of failures) ctx.fail(failure);
  const summary = reply.content
    .map((b) => (b.type === 'text' ? 'text' : `tool_use ${b.name ?? '?'}`))
    .join(', ');
  const after = hang > 0 ? ` after a ${hang} s stall` : '';
  logLine(`agent (${mode}) ${turnLabel} → ${expectationFailed ? 'EXPECTATION FAILED' : summary}${after}`);
  x.answer(reply, expectationFailed ? 'expectation_failed' : 'played', hang, () => {
    ctx.ledger.markPlayed(sessionIndex, turnIndex);
  });
}
