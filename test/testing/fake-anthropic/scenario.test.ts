import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors/index.js';
import { loadScenario, parseScenario } from '../../../src/testing/fake-anthropic/index.js';

const VALID_YAML = `
name: demo
sessions:
  - name: write-and-run
    turns:
      - content:
          - { type: text, text: "I will write the file." }
          - { type: tool_use, name: Write, input: { file_path: "{{projectDir}}/hello.txt", content: "hi" } }
        expect:
          userMessageContains: write
          toolsInclude: [Write]
        fault: { type: rate_limit }
        usage: { input_tokens: 10, output_tokens: 5 }
      - content:
          - { type: text, text: "Done." }
        expect: { lastToolResultContains: "hello.txt", lastToolResultIsError: false }
  - turns:
      - content: [{ type: text, text: "second" }]
        fault: { type: hang, seconds: 0.5, times: 2 }
`;

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('parseScenario', () => {
  it('parses YAML and fills defaults', () => {
    const scenario = parseScenario(VALID_YAML, 'demo.yaml');
    expect(scenario.name).toBe('demo');
    expect(scenario.sessions).toHaveLength(2);
    const [first, second] = scenario.sessions;
    expect(first?.name).toBe('write-and-run');
    expect(second?.name).toBe('session 2');
    expect(first?.turns[0]?.fault).toEqual({ type: 'rate_limit', retryAfterSeconds: 1, times: 1 });
    expect(first?.turns[0]?.content[1]).toEqual({
      type: 'tool_use',
      name: 'Write',
      input: { file_path: '{{projectDir}}/hello.txt', content: 'hi' },
    });
    expect(second?.turns[0]?.fault).toEqual({ type: 'hang', seconds: 0.5, times: 2 });
  });

  it('parses JSON and names the scenario after the file', () => {
    const text = JSON.stringify({
      sessions: [{ turns: [{ content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash' }] }] }],
    });
    const scenario = parseScenario(text, '/some/dir/my-scenario.json');
    expect(scenario.name).toBe('my-scenario');
    expect(scenario.sessions[0]?.turns[0]?.content[0]).toEqual({
      type: 'tool_use',
      id: 'toolu_1',
      name: 'Bash',
      input: {},
    });
  });

  const invalid: Array<[string, string, RegExp]> = [
    ['empty file', '', /is empty/],
    ['no sessions', 'name: x', /sessions: the scenario needs `sessions`/],
    ['empty sessions', 'sessions: []', /sessions: `sessions` must hold at least one session/],
    ['not an object', '[1, 2]', /\(top level\): the scenario must be an object/],
    [
      'bad block type',
      'sessions: [{turns: [{content: [{type: txt, text: a}]}]}]',
      /content\[0\]\.type: .*type: text/,
    ],
    [
      'text without text',
      'sessions: [{turns: [{content: [{type: text}]}]}]',
      /content\[0\]\.text: a text block needs/,
    ],
    ['tool without name', 'sessions: [{turns: [{content: [{type: tool_use}]}]}]', /content\[0\]\.name: /],
    [
      'block not object',
      'sessions: [{turns: [{content: ["hi"]}]}]',
      /content\[0\]: a content block must be an object/,
    ],
    ['no turns', 'sessions: [{name: a}]', /sessions\[0\]\.turns: a session needs `turns`/],
    [
      'unknown fault',
      'sessions: [{turns: [{content: [{type: text, text: a}], fault: {type: boom}}]}]',
      /fault\.type: `fault\.type` must be one of rate_limit, server_error/,
    ],
    [
      'hang without seconds',
      'sessions: [{turns: [{content: [{type: text, text: a}], fault: {type: hang}}]}]',
      /fault\.seconds: a hang fault needs `seconds`/,
    ],
    [
      'times 0',
      'sessions: [{turns: [{content: [{type: text, text: a}], fault: {type: reset, times: 0}}]}]',
      /fault\.times: `times` must be at least 1/,
    ],
    [
      'typo in expect',
      'sessions: [{turns: [{content: [{type: text, text: a}], expect: {toolInclude: [a]}}]}]',
      /sessions\[0\]\.turns\[0\]\.expect: unknown field `toolInclude`; remove or rename it/,
    ],
    [
      'negative usage',
      'sessions: [{turns: [{content: [{type: text, text: a}], usage: {input_tokens: -1}}]}]',
      /usage\.input_tokens: token counts must be whole numbers/,
    ],
    ['YAML syntax', 'sessions: [ {turns: [', /is not valid YAML: /],
  ];
  for (const [label, text, pattern] of invalid) {
    it(`rejects ${label} with one clear ConfigError`, () => {
      const error = configErrorOf(() => parseScenario(text, 'bad.yaml'));
      expect(error.message).toMatch(/^Scenario file bad\.yaml /);
      expect(error.message).toMatch(pattern);
      expect(error.exitCode).toBe(2);
    });
  }

  it('rejects invalid JSON naming the file', () => {
    const error = configErrorOf(() => parseScenario('{"sessions": [}', 'bad.json'));
    expect(error.message).toMatch(/^Scenario file bad\.json is not valid JSON: .*Fix the syntax/);
  });
});

describe('loadScenario', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fake-anthropic-scenario-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads .yaml, .yml and .json files', async () => {
    await writeFile(join(dir, 'a.yaml'), VALID_YAML);
    await writeFile(join(dir, 'b.yml'), VALID_YAML);
    await writeFile(
      join(dir, 'c.json'),
      JSON.stringify({ sessions: [{ turns: [{ content: [{ type: 'text', text: 'x' }] }] }] }),
    );
    expect((await loadScenario(join(dir, 'a.yaml'))).sessions).toHaveLength(2);
    expect((await loadScenario(join(dir, 'b.yml'))).name).toBe('demo');
    expect((await loadScenario(join(dir, 'c.json'))).name).toBe('c');
  });

  it('reports a missing file, a directory and an unsupported extension', async () => {
    await expect(loadScenario(join(dir, 'missing.yaml'))).rejects.toThrow(
      /Cannot read scenario file .*missing\.yaml: it does not exist\. Check the --scenario path/,
    );
    await expect(loadScenario(join(dir, 'missing.yaml'))).rejects.toBeInstanceOf(ConfigError);
    await writeFile(join(dir, 'scenario.txt'), VALID_YAML);
    await expect(loadScenario(join(dir, 'scenario.txt'))).rejects.toThrow(
      /unsupported extension "\.txt".*\.json, \.yaml or \.yml/,
    );
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, 'dir.yaml'));
    await expect(loadScenario(join(dir, 'dir.yaml'))).rejects.toThrow(/it is a directory/);
  });

  it('names the file in validation errors', async () => {
    const path = join(dir, 'invalid.yaml');
    await writeFile(path, 'sessions: [{turns: []}]');
    await expect(loadScenario(path)).rejects.toThrow(
      `Scenario file ${path} is invalid: sessions[0].turns: \`turns\` must hold at least one turn. See docs/fake-model.md`,
    );
  });
});
