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

/** A validated scenario of several sessions, each a list of turns. */
export function sessions(...turnLists: TurnInput[][]): Scenario {
  return parseScenario(JSON.stringify({ sessions: turnLists.map((turns) => ({ turns })) }), 'inline.json');
}

export interface SpecFeature {
  description: string;
  steps?: string[];
}

/** The feature list an initializer writes (no ids, nothing passing). */
export function featureListText(features: readonly SpecFeature[]): string {
  return `${JSON.stringify(
    features.map((f) => ({
      category: 'functional',
      description: f.description,
      steps: f.steps ?? ['Step 1: check it'],
      passes: false,
    })),
    null,
    2,
  )}\n`;
}

/** The list as the harness keeps it (ids F001…), with `passing` ids set to true: what an agent writes back. */
export function ownedListText(features: readonly SpecFeature[], passing: readonly string[]): string {
  return `${JSON.stringify(
    features.map((f, i) => {
      const id = `F${String(i + 1).padStart(3, '0')}`;
      return {
        id,
        category: 'functional',
        description: f.description,
        steps: f.steps ?? ['Step 1: check it'],
        passes: passing.includes(id),
      };
    }),
    null,
    2,
  )}\n`;
}

/** An initializer session that writes this feature list and ends. */
export function initializerSession(features: readonly SpecFeature[]): TurnInput[] {
  return [
    {
      content: [
        tool('Write', { file_path: '{{projectDir}}/feature_list.json', content: featureListText(features) }),
      ],
    },
    finalText('Planned.'),
  ];
}

/**
 * A coding session that does some work, writes a real `node:test` test for its feature and asks the harness
 * to verify it with `mcp__harness__feature_pass`. `passingAfter` names the features passing afterwards; the
 * last one is this session's feature.
 */
export function passingSession(
  _features: readonly SpecFeature[],
  passingAfter: readonly string[],
  work: TurnInput[] = [],
): TurnInput[] {
  const id = passingAfter.at(-1) ?? 'F001';
  return [
    ...work,
    writeScript(`tests/${id}.test.js`, passingTest(id)),
    {
      content: [tool('mcp__harness__feature_pass', { id, test_command: `node --test tests/${id}.test.js` })],
    },
    { expect: { lastToolResultIsError: false }, content: [text('Done.')] },
  ];
}

/** A small honest test: it checks a computed value. */
export function passingTest(id: string): string {
  return [
    "import assert from 'node:assert/strict';",
    "import { test } from 'node:test';",
    '',
    `test('${id} works', () => {`,
    `  assert.equal(['${id}'].map((x) => x.toLowerCase()).join(), '${id.toLowerCase()}');`,
    '});',
  ].join('\n');
}

/**
 * A turn that writes `name` (a node script doing `body`) into the project: the default shell policy refuses
 * inline code (`node -e`), so long-running test commands are scripts, as an agent's would be.
 */
export function writeScript(name: string, body: string): TurnInput {
  return { content: [tool('Write', { file_path: `{{projectDir}}/${name}`, content: `${body}\n` })] };
}

/** Turns that start a command that runs until killed; `marker` appears in its command line. */
export function longRunning(marker: string): TurnInput[] {
  return [
    writeScript('wait.js', 'setInterval(() => {}, 1000);'),
    { content: [bash(`node wait.js ${marker}`)] },
  ];
}
