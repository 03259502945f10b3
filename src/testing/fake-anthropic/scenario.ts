/**
 * Scenario files for the fake Anthropic Messages API server.
 *
 * A scenario scripts what the fake model answers. It is a JSON (`.json`) or YAML (`.yaml`, `.yml`) file:
 *
 * ```yaml
 * name: demo                      # optional, defaults to the file name
 * sessions:                       # ordered: each new agent conversation takes the next session
 *   - name: write-and-run         # optional, defaults to "session N"
 *     turns:                      # ordered: turn N answers the request that holds N assistant messages
 *       - content:                # the assistant message: text and tool_use blocks, in order
 *           - { type: text, text: "I will write the file." }
 *           - type: tool_use
 *             name: Write
 *             input: { file_path: "{{projectDir}}/hello.txt", content: "hi" }   # id optional, generated
 *         expect:                 # optional; checked against the incoming request
 *           lastToolResultContains: "..."   # text of the last tool_result block of the request
 *           lastToolResultIsError: false    # is_error of that block
 *           systemContains: "..."           # the system prompt
 *           toolsInclude: [Bash, Write]     # tool names offered by the request
 *           userMessageContains: "..."      # any text block / string content of a user message
 *         fault: { type: rate_limit, retryAfterSeconds: 1, times: 1 }   # optional, see below
 *         usage: { input_tokens: 10, output_tokens: 5 }                  # optional, else estimated
 *         stopReason: max_tokens  # optional, else tool_use when the content has a tool_use, else end_turn
 * ```
 *
 * Faults fire `times` times (default 1) for their turn; the retry after that plays the turn normally:
 * - `rate_limit`: HTTP 429, `retry-after: retryAfterSeconds` (default 1), error type `rate_limit_error`.
 * - `server_error`: HTTP 500, `api_error`.
 * - `overloaded`: HTTP 529, `overloaded_error`.
 * - `hang`: a streamed answer sends its headers and `message_start`, stalls `seconds`, then goes on normally
 *   (a non-streamed answer is held back for `seconds`); if the client goes away meanwhile the turn is not played.
 * - `reset`: the connection is destroyed without any response.
 * - `malformed_sse`: a 200 event stream whose second event carries invalid JSON, then the end of the stream.
 *
 * `{{name}}` in a text block, in any string of a tool_use input and in `expect` strings is replaced at play
 * time by the server's `variables` (an unknown name is recorded as a failure and left as it is).
 */

import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../../errors/index.js';

export const FAULT_TYPES = [
  'rate_limit',
  'server_error',
  'overloaded',
  'hang',
  'reset',
  'malformed_sse',
] as const;
export type FaultType = (typeof FAULT_TYPES)[number];

const STOP_REASONS = ['end_turn', 'tool_use', 'max_tokens', 'stop_sequence'] as const;

const nonEmptyString = (what: string) =>
  z.string({ error: `expected ${what} (a non-empty string)` }).min(1, { error: `${what} must not be empty` });

const times = z
  .number({ error: 'expected `times`, a whole number ≥ 1' })
  .int({ error: '`times` must be a whole number' })
  .min(1, { error: '`times` must be at least 1' })
  .default(1);

const textBlockSchema = z.strictObject({
  type: z.literal('text'),
  text: z.string({ error: 'a text block needs `text` (a string)' }),
});

const toolUseBlockSchema = z.strictObject({
  type: z.literal('tool_use'),
  id: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, { error: 'a tool_use `id` may hold only letters, digits, "_" and "-"' })
    .optional(),
  name: nonEmptyString('the tool name in `name`'),
  input: z.record(z.string(), z.unknown(), { error: 'a tool_use `input` must be an object' }).default({}),
});

const contentBlockSchema = z.discriminatedUnion('type', [textBlockSchema, toolUseBlockSchema], {
  error: (issue) =>
    issue.code === 'invalid_union'
      ? 'a content block needs `type: text` or `type: tool_use`'
      : 'a content block must be an object such as { type: text, text: "..." }',
});

const expectSchema = z.strictObject({
  lastToolResultContains: z.string().optional(),
  lastToolResultIsError: z.boolean().optional(),
  systemContains: z.string().optional(),
  toolsInclude: z
    .array(nonEmptyString('a tool name'), { error: '`toolsInclude` must be a list of tool names' })
    .optional(),
  userMessageContains: z.string().optional(),
});

const faultSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      type: z.literal('rate_limit'),
      retryAfterSeconds: z
        .number({ error: '`retryAfterSeconds` must be a number of seconds' })
        .min(0, { error: '`retryAfterSeconds` must not be negative' })
        .default(1),
      times,
    }),
    z.strictObject({ type: z.literal('server_error'), times }),
    z.strictObject({ type: z.literal('overloaded'), times }),
    z.strictObject({
      type: z.literal('hang'),
      seconds: z
        .number({ error: 'a hang fault needs `seconds` (a number > 0)' })
        .positive({ error: '`seconds` must be greater than 0' }),
      times,
    }),
    z.strictObject({ type: z.literal('reset'), times }),
    z.strictObject({ type: z.literal('malformed_sse'), times }),
  ],
  { error: `\`fault.type\` must be one of ${FAULT_TYPES.join(', ')}` },
);

const tokenCount = z
  .number({ error: 'token counts must be whole numbers ≥ 0' })
  .int({ error: 'token counts must be whole numbers ≥ 0' })
  .min(0, { error: 'token counts must be whole numbers ≥ 0' });

const turnSchema = z.strictObject({
  content: z
    .array(contentBlockSchema, { error: 'a turn needs `content`, a list of text / tool_use blocks' })
    .min(1, { error: '`content` must hold at least one block' }),
  expect: expectSchema.optional(),
  fault: faultSchema.optional(),
  usage: z
    .strictObject(
      { input_tokens: tokenCount.optional(), output_tokens: tokenCount.optional() },
      { error: '`usage` must be an object such as { input_tokens: 10, output_tokens: 5 }' },
    )
    .optional(),
  stopReason: z
    .enum(STOP_REASONS, { error: `\`stopReason\` must be one of ${STOP_REASONS.join(', ')}` })
    .optional(),
});

const sessionSchema = z.strictObject({
  name: z.string().optional(),
  turns: z
    .array(turnSchema, { error: 'a session needs `turns`, a list of assistant turns' })
    .min(1, { error: '`turns` must hold at least one turn' }),
});

export const scenarioSchema = z.strictObject(
  {
    name: z.string().optional(),
    sessions: z
      .array(sessionSchema, { error: 'the scenario needs `sessions`, a list of sessions' })
      .min(1, { error: '`sessions` must hold at least one session' }),
  },
  { error: 'the scenario must be an object with `sessions`' },
);

/** A scenario as written in the file (before defaults). */
export type ScenarioInput = z.input<typeof scenarioSchema>;
/** A validated scenario with every default filled in. */
export interface Scenario {
  name: string;
  sessions: ScenarioSession[];
}
export type ScenarioSession = Omit<z.output<typeof sessionSchema>, 'name'> & { name: string };
export type ScenarioTurn = z.output<typeof turnSchema>;
export type ScenarioContentBlock = z.output<typeof contentBlockSchema>;
export type ScenarioExpect = z.output<typeof expectSchema>;
export type ScenarioFault = z.output<typeof faultSchema>;

const FORMAT_HINT = 'See docs/fake-model.md for the scenario format.';

/** `sessions[0].turns[1].content` from a zod issue path. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(top level)' : out;
}

function formatIssues(error: z.ZodError): string {
  const lines = error.issues.slice(0, 5).map((issue) => {
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') {
      message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `\`${k}\``).join(', ')}; remove or rename ${issue.keys.length > 1 ? 'them' : 'it'}`;
    }
    return `${formatPath(issue.path)}: ${message}`;
  });
  const more = error.issues.length > 5 ? ` (and ${error.issues.length - 5} more)` : '';
  return lines.join('; ') + more;
}

function parseText(text: string, sourceName: string): unknown {
  const isJson = extname(sourceName).toLowerCase() === '.json';
  try {
    return isJson ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const reason = (error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)).replace(
      /[:.]\s*$/,
      '',
    );
    throw new ConfigError(
      `Scenario file ${sourceName} is not valid ${isJson ? 'JSON' : 'YAML'}: ${reason}. Fix the syntax and try again.`,
      { cause: error },
    );
  }
}

/**
 * Validates scenario text. `sourceName` names the file in messages; a name ending in `.json` is parsed as
 * JSON, anything else as YAML. Throws `ConfigError` with one message naming the file, the field and the fix.
 */
export function parseScenario(text: string, sourceName: string): Scenario {
  const data = parseText(text, sourceName);
  if (data === null || data === undefined) {
    throw new ConfigError(`Scenario file ${sourceName} is empty. Add a \`sessions\` list. ${FORMAT_HINT}`);
  }
  const result = scenarioSchema.safeParse(data);
  if (!result.success) {
    throw new ConfigError(
      `Scenario file ${sourceName} is invalid: ${formatIssues(result.error)}. ${FORMAT_HINT}`,
      {
        cause: result.error,
      },
    );
  }
  const parsed = result.data;
  const fallbackName = basename(sourceName, extname(sourceName)) || 'scenario';
  return {
    name: parsed.name ?? fallbackName,
    sessions: parsed.sessions.map((session, index) => ({
      ...session,
      name: session.name ?? `session ${index + 1}`,
    })),
  };
}

/** Reads and validates a `.json`, `.yaml` or `.yml` scenario file; throws `ConfigError` on any problem. */
export async function loadScenario(path: string): Promise<Scenario> {
  const extension = extname(path).toLowerCase();
  if (!['.json', '.yaml', '.yml'].includes(extension)) {
    throw new ConfigError(
      `Scenario file ${path} has an unsupported extension "${extension || '(none)'}": name it .json, .yaml or .yml.`,
    );
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'it does not exist'
        : code === 'EISDIR'
          ? 'it is a directory'
          : (error as Error).message;
    throw new ConfigError(`Cannot read scenario file ${path}: ${reason}. Check the --scenario path.`, {
      cause: error,
    });
  }
  return parseScenario(text, path);
}
