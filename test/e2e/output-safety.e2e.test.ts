/**
 * What the harness writes and prints, against a scripted agent that puts secrets and terminal control
 * sequences into everything it can: a refused Write, its Bash output, a feature description, a
 * `feature_fail` reason. With the real SDK and Claude Code CLI, in the sandbox: no secret reaches
 * events.jsonl, the terminal, `status`, `skipped`, the HTML report or a webhook (each shows the redaction
 * marker instead), and no ESC or C1 byte of the agent's reaches stdout or stderr — plain, --json, or the
 * live view in a pseudo-terminal.
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic } from '../../src/testing/fake-anthropic/index.js';
import { ANTHROPIC_KEY, GITHUB_TOKEN } from '../guards/secrets/fixtures.js';
import { CLI_MAIN, harnessArgs, harnessEnv, startCli, startHarness } from '../helpers/cli-process.js';
import { tempDir } from '../helpers/engine-env.js';
import {
  bash,
  featureListText,
  finalText,
  type SpecFeature,
  sessions,
  tool,
  writeScript,
} from '../helpers/scenarios.js';
import { webhookReceiver } from '../helpers/webhook.js';

type Turns = Parameters<typeof sessions>[0];

/** A 40-character AWS secret access key, built at run time so this file holds none. */
const AWS_SECRET = ['wJalrXUtnFEMI', '/K7MDENG/', 'bPxRfiCYzXAMPLEKEY'].join('');

/** A node script that prints `text`, which appears nowhere in the script itself (so no guard sees it). */
function printScript(text: string): string {
  const codes = [...text].map((c) => c.codePointAt(0));
  return `process.stdout.write(String.fromCodePoint(...${JSON.stringify(codes)}) + '\\n');`;
}

/** The initializer writes `features`; the coding session does `work`, then gives up with `reason`. */
function scenario(features: readonly SpecFeature[], work: Turns, reason: string) {
  return sessions(
    [
      {
        content: [
          tool('Write', {
            file_path: '{{projectDir}}/feature_list.json',
            content: featureListText(features),
          }),
        ],
      },
      finalText('Planned.'),
    ],
    [
      ...work,
      { content: [tool('mcp__harness__feature_fail', { id: 'F001', reason })] },
      finalText('Giving up.'),
    ],
  );
}

/** Runs a built CLI command to its end; its stdout and stderr. */
async function cli(args: string[], env: NodeJS.ProcessEnv = { PATH: process.env.PATH }) {
  const { stdout, stderr } = await startCli(args, { env }).done;
  return { stdout, stderr };
}

describe('secrets never reach what the harness writes or prints', () => {
  const variants = [
    {
      name: 'an AWS secret access key',
      secret: AWS_SECRET,
      written: `aws_secret_access_key = ${AWS_SECRET}\n`,
      printed: `aws_secret_access_key=${AWS_SECRET}`,
    },
    {
      name: 'a GitHub token',
      secret: GITHUB_TOKEN,
      written: `export const token = '${GITHUB_TOKEN}';\n`,
      printed: `cloned with ${GITHUB_TOKEN}`,
    },
    {
      name: 'an Anthropic key',
      secret: ANTHROPIC_KEY,
      written: `ANTHROPIC_API_KEY=${ANTHROPIC_KEY}\n`,
      printed: `KEY=${ANTHROPIC_KEY}`,
    },
    {
      // Echoed by the agent itself: the secrets are in the command line the log shows, and in its output.
      name: 'a GitHub token and an Anthropic key echoed',
      secret: `${GITHUB_TOKEN} ${ANTHROPIC_KEY}`,
      written: `GITHUB_TOKEN=${GITHUB_TOKEN}\n`,
      printed: `KEY=${ANTHROPIC_KEY} ${GITHUB_TOKEN}`,
      echo: true,
    },
  ];

  it.each(variants)(
    '$name in a refused Write, in Bash output and in a feature_fail reason',
    async ({ secret, written, printed, echo }) => {
      await using work = await tempDir('ch-redact-');
      await using config = await tempDir('ch-cfg-');
      const projectDir = join(work.path, 'app');
      await writeFile(join(work.path, 'spec.md'), 'A todo app.\n');
      const hook = await webhookReceiver();
      const server = await startFakeAnthropic({
        variables: { projectDir },
        scenario: scenario(
          [{ description: 'add a todo' }],
          [
            // Refused by the secrets guard: the refused input is recorded as a policy_denial.
            { content: [tool('Write', { file_path: '{{projectDir}}/config.env', content: written })] },
            { ...writeScript('print.js', printScript(printed)), expect: { lastToolResultIsError: true } },
            { content: [bash(echo ? `echo "${printed}"` : 'node print.js')] },
          ],
          `the deploy needs ${printed}`,
        ),
      });
      try {
        const { code, stdout, stderr } = await startHarness({
          projectDir,
          spec: join(work.path, 'spec.md'),
          serverUrl: server.url,
          configDir: config.path,
          bare: true,
          args: ['--auto-continue-delay', '0', '--max-retries', '1', '--notify-url', hook.url],
        }).done;
        expect(server.failures).toEqual([]);
        server.assertComplete();
        expect(code).toBe(4); // every feature skipped

        const events = await readFile(join(projectDir, '.claude-harness', 'events.jsonl'), 'utf8');
        expect(events).toContain('"type":"policy_denial"');
        const status = await cli(['status', '--project-dir', projectDir]);
        const statusJson = await cli(['status', '--project-dir', projectDir, '--json']);
        const skipped = await cli(['skipped', '--project-dir', projectDir]);
        await cli(['report', '--project-dir', projectDir]);
        const html = await readFile(join(projectDir, '.claude-harness', 'report.html'), 'utf8');
        const webhooks = JSON.stringify(hook.bodies);
        expect(hook.bodies.map((b) => b.event)).toContain('feature_skipped');

        const outputs = {
          events,
          stdout,
          stderr,
          status: status.stdout,
          statusJson: statusJson.stdout,
          skipped: skipped.stdout,
          html,
          webhooks,
        };
        // Not the secret, nor a piece of it (a line cut to width must not leave its first half either).
        const pieces = secret
          .split(' ')
          .flatMap((one) =>
            Array.from({ length: Math.floor((one.length - 16) / 8) + 1 }, (_, i) =>
              one.slice(i * 8, i * 8 + 16),
            ),
          );
        const leaked = Object.entries(outputs).filter(([, text]) => pieces.some((p) => text.includes(p)));
        expect(leaked.map(([where]) => where)).toEqual([]);
        // The marker is there instead: in the log under the Bash call, in the event, the report, the hook.
        const marked = ['events', 'stdout', 'html', 'webhooks', 'status'] as const;
        expect(marked.filter((where) => !outputs[where].includes('[REDACTED:'))).toEqual([]);
        expect(stdout).toMatch(/│ .*\[REDACTED:/);
      } finally {
        await server.close();
        await hook.close();
      }
    },
  );
});

const ESC = '\u001b';
const BEL = '\u0007';
/** What a hostile agent prints: OSC 52, OSC 8, OSC 0, CSI 2J, and 8-bit C1 CSI and OSC. */
const SEQUENCES = [
  `${ESC}]52;c;cHduZWQ=${BEL}`,
  `${ESC}]8;;https://evil.example/${ESC}\\link${ESC}]8;;${ESC}\\`,
  `${ESC}]0;owned${BEL}`,
  `${ESC}[2J${ESC}[H`,
  '\u009b2J',
  '\u009d0;owned\u009c',
  `${ESC}P+q544e${ESC}\\`,
].join(' ');

/** An ESC, or a C1 control: any byte the agent could drive the terminal with. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const DRIVING = /[\u001b\u0080-\u009f]/;

function hostileScenario() {
  return scenario(
    [{ description: `show the list ${SEQUENCES} please` }],
    [writeScript('print.js', printScript(`output ${SEQUENCES} end`)), { content: [bash('node print.js')] }],
    `cannot ${SEQUENCES} continue`,
  );
}

describe('the agent cannot drive the terminal', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  let config: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    work = await tempDir('ch-term-');
    config = await tempDir('ch-cfg-');
    await writeFile(join(work.path, 'spec.md'), 'A todo app.\n');
  });
  afterAll(async () => {
    await work[Symbol.asyncDispose]();
    await config[Symbol.asyncDispose]();
  });

  async function run(name: string, args: string[]) {
    const projectDir = join(work.path, name);
    const server = await startFakeAnthropic({ variables: { projectDir }, scenario: hostileScenario() });
    try {
      const result = await startHarness({
        projectDir,
        spec: join(work.path, 'spec.md'),
        serverUrl: server.url,
        configDir: config.path,
        bare: true,
        args: ['--auto-continue-delay', '0', '--max-retries', '1', ...args],
      }).done;
      expect(server.failures).toEqual([]);
      server.assertComplete();
      return { ...result, projectDir };
    } finally {
      await server.close();
    }
  }

  it('plain log: Bash output, the feature description and the feature_fail reason arrive cleaned', async () => {
    const { code, stdout, stderr, projectDir } = await run('plain', []);
    expect(code).toBe(4);
    expect(stdout).not.toMatch(DRIVING);
    expect(stderr).not.toMatch(DRIVING);
    // The text around the sequences is still there, on the lines where it belongs.
    expect(stdout).toMatch(/── session 2 \(coding F001, attempt 1\) · show the list .*link.* please/);
    expect(stdout).toMatch(/│ output .*link.* end/);
    expect(stdout).toMatch(/the agent gave up: cannot .*link.* continue/);
    // The commands that print the project's records clean them too.
    for (const command of [['status'], ['skipped'], ['status', '--json'], ['skipped', '--json']]) {
      const out = await cli([...command, '--project-dir', projectDir]);
      expect({ command, driving: DRIVING.test(out.stdout + out.stderr) }).toEqual({
        command,
        driving: false,
      });
    }
  });

  it('--json: every line parses, holds the text escaped, and not one raw ESC or C1 byte', async () => {
    const { code, stdout, stderr } = await run('json', ['--json']);
    expect(code).toBe(4);
    expect(stdout).not.toMatch(DRIVING);
    expect(stderr).not.toMatch(DRIVING);
    const events = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; reason?: string });
    const gaveUp = events.find((e) => e.type === 'feature_gave_up');
    // The reason is kept whole in the stream (a program reading it gets the text), only escaped.
    expect(gaveUp?.reason).toBe(`cannot ${SEQUENCES} continue`);
    expect(stdout).toContain('\\u009b2J');
  });

  it("live view in a pseudo-terminal: only the view's own escape codes reach it", async () => {
    const projectDir = join(work.path, 'live');
    const server = await startFakeAnthropic({ variables: { projectDir }, scenario: hostileScenario() });
    try {
      const args = harnessArgs({
        projectDir,
        spec: join(work.path, 'spec.md'),
        serverUrl: server.url,
        configDir: config.path,
        bare: true,
        args: ['--auto-continue-delay', '0', '--max-retries', '1'],
      });
      const env = harnessEnv({
        projectDir,
        serverUrl: server.url,
        configDir: config.path,
        env: { TERM: 'xterm-256color' },
      });
      const raw = await inTerminal(args, env);
      expect(server.failures).toEqual([]);
      // The live view drew (its cursor-up / erase-below codes are there)…
      expect(raw).toContain(`${ESC}[1A`);
      expect(raw).toContain('show the list');
      // …and nothing else: no OSC, DCS, clear screen, cursor home, and no C1 byte.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
      expect(raw).not.toMatch(/\u001b[\]P^_X]|\u001b\[2J|\u001b\[H|[\u0080-\u009f]/);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
      const codes = new Set(raw.match(/\u001b\[[0-9;?]*[A-Za-z]/g) ?? []);
      expect([...codes].filter((c) => c !== `${ESC}[1A` && c !== `${ESC}[J`)).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

/** Runs the CLI with stdout and stderr on a pseudo-terminal (util-linux `script`); what it wrote. */
function inTerminal(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  const command = `stty cols 100 rows 30; exec ${[process.execPath, CLI_MAIN, ...args].map(quote).join(' ')}`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let raw = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    raw += chunk;
  });
  return new Promise((resolve) => child.on('close', () => resolve(raw)));
}
