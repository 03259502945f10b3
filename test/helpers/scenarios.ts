import { parseScenario, type Scenario, type ScenarioInput } from '../../src/testing/fake-anthropic/index.js';

type TurnInput = ScenarioInput['sessions'][number]['turns'][number];
type BlockInput = TurnInput['content'][number];

/** A validated scenario of one session with these turns. */
export function oneSession(...turns: TurnInput[]): Scenario {
  return parseScenario(JSON.stringify({ sessions: [{ turns }] }), 'inline.json');
}

export const text = (value: string): BlockInput => ({ type: 'text', text: value });

export const tool = (name: string, input: Record<string, unknown>): BlockInput => ({
  type: 'tool_use',
  name,
  input,
});

export const bash = (command: string): BlockInput =>
  tool('Bash', { command, description: 'scripted command' });

/** A turn that only answers with text (ends the session). */
export const finalText = (value: string, expect?: TurnInput['expect']): TurnInput =>
  expect ? { expect, content: [text(value)] } : { content: [text(value)] };
