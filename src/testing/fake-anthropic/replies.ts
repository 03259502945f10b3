/**
 * What the fake model says: the scripted turn (variables filled in, expectations checked) and the fixed texts
 * for side requests, requests beyond the scenario and unmet expectations. Pure apart from the id source.
 */

import { unmetExpectations } from './expectations.js';
import type { JsonObject } from './request-body.js';
import type { ScenarioTurn } from './scenario.js';
import { substitute, substituteDeep } from './variables.js';
import { estimateTokens, type OutBlock, type Reply, type Usage } from './wire.js';

export const BEYOND_SCENARIO_TEXT = 'fake model: the scenario has no more turns';
export const SIDE_REQUEST_TEXT = 'fake model: side request';
export const EXPECTATION_FAILED_PREFIX = 'FAKE MODEL EXPECTATION FAILED:';

/** The turn's scripted usage where given, else estimates (input from the request, output from `output`). */
export function usageFor(turn: ScenarioTurn | undefined, estimatedInput: number, output: string): Usage {
  return {
    input_tokens: turn?.usage?.input_tokens ?? estimatedInput,
    output_tokens: turn?.usage?.output_tokens ?? estimateTokens(output.length),
  };
}

/** A one-text `end_turn` answer: side requests, beyond the scenario, expectation failures. */
export function textReply(text: string, estimatedInput: number): Reply {
  return {
    content: [{ type: 'text', text }],
    stopReason: 'end_turn',
    usage: usageFor(undefined, estimatedInput, text),
  };
}

export interface TurnReplyOptions {
  /** `session 1 "x" (of 2) turn 3`: where failures happened. */
  where: string;
  variables: Record<string, string>;
  estimatedInputTokens: number;
  nextId: (prefix: string) => string;
}

export interface TurnReply {
  reply: Reply;
  expectationFailed: boolean;
  /** To record as failures, in order: unknown variables, then the unmet expectations (one line). */
  failures: string[];
}

/**
 * The answer to the request for `turn`. When an expectation is unmet the answer is an `end_turn` text naming
 * it, so the agent stops and the reason shows in its transcript instead of the run going off-script.
 */
export function turnReply(turn: ScenarioTurn, body: JsonObject, options: TurnReplyOptions): TurnReply {
  const { where, variables, estimatedInputTokens, nextId } = options;
  const failures: string[] = [];
  const unmet = turn.expect
    ? unmetExpectations(turn.expect, body, (s) => substitute(s, variables, `${where} expect`, failures))
    : [];
  // Built even when an expectation failed, so unknown variables in the content are reported as well.
  const content: OutBlock[] = turn.content.map((block, blockIndex) =>
    block.type === 'text'
      ? { type: 'text', text: substitute(block.text, variables, `${where} content[${blockIndex}]`, failures) }
      : {
          type: 'tool_use',
          id: block.id ?? nextId('toolu_fake_'),
          name: block.name,
          input: substituteDeep(
            block.input,
            variables,
            `${where} content[${blockIndex}] (${block.name} input)`,
            failures,
          ),
        },
  );
  if (unmet.length > 0) {
    const message = `${where}: ${unmet.join('; ')}`;
    failures.push(message);
    const text = `${EXPECTATION_FAILED_PREFIX} ${message}`;
    const reply: Reply = {
      content: [{ type: 'text', text }],
      stopReason: 'end_turn',
      usage: usageFor(turn, estimatedInputTokens, text),
    };
    return { reply, expectationFailed: true, failures };
  }
  const stopReason =
    turn.stopReason ?? (content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn');
  const usage = usageFor(turn, estimatedInputTokens, JSON.stringify(content));
  return { reply: { content, stopReason, usage }, expectationFailed: false, failures };
}
