import { describe, expect, it } from 'vitest';
import { ConversationRouter, conversationIdOf } from '../../../src/testing/fake-anthropic/conversations.js';
import { parseScenario, type ScenarioInput } from '../../../src/testing/fake-anthropic/index.js';
import { TurnLedger } from '../../../src/testing/fake-anthropic/turn-ledger.js';

const turns = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ content: [{ type: 'text', text: `t${i}` }] }));

function setup(turnCounts: number[]) {
  const input = { sessions: turnCounts.map((n, i) => ({ name: `s${i}`, turns: turns(n) })) } as ScenarioInput;
  const ledger = new TurnLedger(parseScenario(JSON.stringify(input), 'routing.json'));
  return { ledger, router: new ConversationRouter(ledger) };
}

describe('conversationIdOf', () => {
  const userId = (sessionId: string) => JSON.stringify({ device_id: 'd', session_id: sessionId });

  it('takes the session id header, with the subagent id appended', () => {
    expect(conversationIdOf({ 'x-claude-code-session-id': 's-1' }, {})).toBe('s-1');
    expect(
      conversationIdOf({ 'x-claude-code-session-id': 's-1', 'x-claude-code-agent-id': 'agent-7' }, {}),
    ).toBe('s-1/agent-7');
  });

  it('prefers the header over metadata.user_id', () => {
    const body = { metadata: { user_id: userId('from-metadata') } };
    expect(conversationIdOf({ 'x-claude-code-session-id': 'from-header' }, body)).toBe('from-header');
  });

  it('reads metadata.user_id as JSON or as an older `…_session_<uuid>` string', () => {
    expect(conversationIdOf({}, { metadata: { user_id: userId('sess-1') } })).toBe('sess-1');
    expect(conversationIdOf({ 'x-claude-code-agent-id': 'a' }, { metadata: { user_id: userId('p') } })).toBe(
      'p/a',
    );
    const legacy = 'user_abc_account_def_session_1234abcd-5678';
    expect(conversationIdOf({}, { metadata: { user_id: legacy } })).toBe('1234abcd-5678');
  });

  it('is undefined without a session id (an agent id alone or an empty header does not count)', () => {
    expect(conversationIdOf({}, {})).toBeUndefined();
    expect(conversationIdOf({ 'x-claude-code-agent-id': 'a' }, {})).toBeUndefined();
    expect(conversationIdOf({ 'x-claude-code-session-id': '' }, {})).toBeUndefined();
    expect(conversationIdOf({}, { metadata: { user_id: 'plain-user' } })).toBeUndefined();
    expect(
      conversationIdOf({}, { metadata: { user_id: JSON.stringify({ device_id: 'd' }) } }),
    ).toBeUndefined();
  });
});

describe('ConversationRouter without conversation ids', () => {
  it('routes a retry of an undelivered first turn to the same session, then the next conversation onward', () => {
    const { ledger, router } = setup([2, 1]);
    expect(router.current).toBe(-1);
    expect(router.route(0, undefined)).toEqual({ sessionIndex: 0 });
    expect(router.route(0, undefined)).toEqual({ sessionIndex: 0 }); // the first attempt failed: a retry
    ledger.markPlayed(0, 0);
    expect(router.route(1, undefined)).toEqual({ sessionIndex: 0 });
    ledger.markPlayed(0, 1);
    expect(router.route(0, undefined)).toEqual({ sessionIndex: 1 });
    expect(router.current).toBe(1);
  });

  it('reports the session a new conversation leaves behind with unplayed turns', () => {
    const { ledger, router } = setup([3, 1]);
    router.route(0, undefined);
    ledger.markPlayed(0, 0);
    expect(router.route(0, undefined)).toEqual({
      sessionIndex: 1,
      abandoned: { sessionIndex: 0, unplayedTurns: 2 },
    });
  });

  it('is beyond the scenario once the sessions are used up, and stays there', () => {
    const { ledger, router } = setup([1]);
    expect(router.route(2, undefined)).toEqual({ sessionIndex: undefined }); // a follow-up before any start
    router.route(0, undefined);
    ledger.markPlayed(0, 0);
    expect(router.route(0, undefined)).toEqual({ sessionIndex: undefined });
    expect(router.route(1, undefined)).toEqual({ sessionIndex: undefined });
    expect(router.route(0, undefined)).toEqual({ sessionIndex: undefined });
    expect(router.current).toBe(1);
  });
});

describe('ConversationRouter with conversation ids', () => {
  it("routes the main conversation back to its session after a subagent's", () => {
    const { ledger, router } = setup([2, 2]);
    expect(router.route(0, 'main')).toEqual({ sessionIndex: 0 });
    ledger.markPlayed(0, 0);
    // The Agent tool's subagent: a conversation of its own, the next session.
    expect(router.route(0, 'main/agent-1')).toEqual({ sessionIndex: 1, abandoned: expect.anything() });
    ledger.markPlayed(1, 0);
    expect(router.route(1, 'main/agent-1')).toEqual({ sessionIndex: 1 });
    expect(router.route(1, 'main')).toEqual({ sessionIndex: 0 });
    // Without the id the follow-up would go to the session started last.
    expect(router.route(1, undefined)).toEqual({ sessionIndex: 1 });
  });

  it('retries a known first turn in its own session, and starts over once it was delivered', () => {
    const { ledger, router } = setup([1, 1, 1]);
    expect(router.route(0, 'a')).toEqual({ sessionIndex: 0 });
    expect(router.route(0, 'a')).toEqual({ sessionIndex: 0 });
    ledger.markPlayed(0, 0);
    expect(router.route(0, 'a')).toEqual({ sessionIndex: 1 });
    expect(router.route(0, 'b')).toEqual({ sessionIndex: 1 }); // session 1 not delivered yet: a retry
  });

  it('does not bind an id to a session beyond the scenario', () => {
    const { ledger, router } = setup([1]);
    router.route(0, 'a');
    ledger.markPlayed(0, 0);
    expect(router.route(0, 'b')).toEqual({ sessionIndex: undefined });
    expect(router.route(1, 'b')).toEqual({ sessionIndex: undefined });
  });
});

describe('TurnLedger', () => {
  it('reports the next turn, counts and unplayed turns', () => {
    const { ledger } = setup([2, 1]);
    expect(ledger.progress(-1)).toEqual({
      sessionIndex: 0,
      sessionName: 's0',
      turnIndex: 0,
      totalTurns: 3,
      playedTurns: 0,
      remainingTurns: 3,
      done: false,
    });
    ledger.markPlayed(0, 0);
    expect(ledger.progress(0)).toMatchObject({ sessionIndex: 0, turnIndex: 1, playedTurns: 1 });
    ledger.markPlayed(0, 1);
    expect(ledger.progress(0)).toMatchObject({ sessionIndex: 1, sessionName: 's1', turnIndex: 0 });
    expect(ledger.unplayedTurns()).toEqual(['session 2 "s1" (of 2) turn 1/1 was not played']);
    ledger.markPlayed(1, 0);
    expect(ledger.progress(1)).toMatchObject({ sessionIndex: undefined, turnIndex: undefined, done: true });
  });

  it('counts fault firings per turn', () => {
    const { ledger } = setup([2]);
    expect(ledger.faultsFired(0, 1)).toBe(0);
    expect(ledger.countFault(0, 1)).toBe(1);
    expect(ledger.countFault(0, 1)).toBe(2);
    expect(ledger.faultsFired(0, 0)).toBe(0);
  });
});
