import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createActions } from '../../src/cli/actions.js';
import type { CommandIO } from '../../src/cli/io.js';
import {
  type CliActions,
  type DoctorCommandOptions,
  type FakeModelOptions,
  type PolicyCheckCommandOptions,
  type PolicyShowCommandOptions,
  type ReportOptions,
  runCli,
  type SkippedOptions,
  type StatusOptions,
} from '../../src/cli/program.js';
import { PROJECT_DIR_REQUIRED } from '../../src/config/resolve.js';
import type { RunFlags } from '../../src/config/settings.js';
import { ConfigError, EngineError, UsageError } from '../../src/errors/index.js';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

interface Harness {
  io: CommandIO;
  out: Capture;
  err: Capture;
  calls: {
    run: RunFlags[];
    demo: unknown[];
    doctor: DoctorCommandOptions[];
    skipped: SkippedOptions[];
    status: StatusOptions[];
    report: ReportOptions[];
    policyCheck: PolicyCheckCommandOptions[];
    policyShow: PolicyShowCommandOptions[];
    fakeModel: FakeModelOptions[];
  };
}

const NO_CALLS = {
  run: [],
  demo: [],
  doctor: [],
  skipped: [],
  status: [],
  report: [],
  policyCheck: [],
  policyShow: [],
  fakeModel: [],
};

function harness(env: NodeJS.ProcessEnv = {}, cwd = '/work/here'): Harness {
  const out = new Capture();
  const err = new Capture();
  return {
    io: { out, err, env, signal: new AbortController().signal, cwd },
    out,
    err,
    calls: {
      run: [],
      demo: [],
      doctor: [],
      skipped: [],
      status: [],
      report: [],
      policyCheck: [],
      policyShow: [],
      fakeModel: [],
    },
  };
}

/** Actions that record their calls and return `code`, or throw `error`. */
function fakeActions(h: Harness, result: { code?: number; error?: unknown } = {}): CliActions {
  const finish = async () => {
    if (result.error !== undefined) throw result.error;
    return result.code ?? 0;
  };
  return {
    run: (flags) => {
      h.calls.run.push(flags);
      return finish();
    },
    demo: (options) => {
      h.calls.demo.push(options);
      return finish();
    },
    doctor: (options) => {
      h.calls.doctor.push(options);
      return finish();
    },
    skipped: (options) => {
      h.calls.skipped.push(options);
      return finish();
    },
    status: (options) => {
      h.calls.status.push(options);
      return finish();
    },
    report: (options) => {
      h.calls.report.push(options);
      return finish();
    },
    policyCheck: (options) => {
      h.calls.policyCheck.push(options);
      return finish();
    },
    policyShow: (options) => {
      h.calls.policyShow.push(options);
      return finish();
    },
    fakeModel: (options) => {
      h.calls.fakeModel.push(options);
      return finish();
    },
  };
}

async function cli(argv: string[], result: { code?: number; error?: unknown } = {}, env?: NodeJS.ProcessEnv) {
  const h = harness(env);
  const code = await runCli(argv, h.io, fakeActions(h, result));
  return { code, ...h };
}

describe('run', () => {
  it('treats bare flags as run, passing exactly the flags given as strings', async () => {
    const r = await cli(['--project-dir', 'app', '--spec', 'spec.md', '--max-iterations', '3'], { code: 0 });
    expect(r.code).toBe(0);
    expect(r.calls.run).toEqual([{ projectDir: 'app', spec: 'spec.md', maxIterations: '3' }]);
  });

  it('accepts run with the same flags and returns the action exit code', async () => {
    const r = await cli(['run', '--project-dir', 'app', '--mode=bugfix', '--stall-timeout', '5'], {
      code: 1,
    });
    expect(r.code).toBe(1);
    expect(r.calls.run).toEqual([{ projectDir: 'app', mode: 'bugfix', stallTimeout: '5' }]);
  });

  it('passes no flag values for flags not given, so claude-harness.json can supply them', async () => {
    const r = await cli(['--project-dir', 'app']);
    expect(r.calls.run).toEqual([{ projectDir: 'app' }]);
  });

  it('bare claude-harness prints the usage on stderr and exits 2 without running', async () => {
    const r = await cli([]);
    expect(r.code).toBe(2);
    expect(r.calls).toEqual(NO_CALLS);
    expect(r.out.text).toBe('');
    expect(r.err.text).toMatch(/^Usage: claude-harness/);
    expect(r.err.text).not.toMatch(/^claude-harness: /m);
  });

  it('hands values to resolveRunConfig unchecked, so all problems are reported together', async () => {
    const r = await cli(['--max-retries', 'abc', '--mode', 'nope']);
    expect(r.calls.run).toEqual([{ maxRetries: 'abc', mode: 'nope' }]);
  });

  it('passes every new run flag, durations as typed', async () => {
    const r = await cli([
      '--first-response-timeout',
      '90s',
      '--tool-allowance',
      '45',
      '--auto-continue-delay',
      '0',
      '--feature-count',
      '20',
      '--prompts-dir',
      'my-prompts',
      '--session-timeout=2h',
    ]);
    expect(r.calls.run).toEqual([
      {
        firstResponseTimeout: '90s',
        toolAllowance: '45',
        autoContinueDelay: '0',
        featureCount: '20',
        promptsDir: 'my-prompts',
        sessionTimeout: '2h',
      },
    ]);
  });

  it('passes --no-wait and --no-sandbox only when given, so the file can set them otherwise', async () => {
    expect((await cli(['--project-dir', 'app'])).calls.run).toEqual([{ projectDir: 'app' }]);
    expect((await cli(['--no-wait', '--no-sandbox'])).calls.run).toEqual([{ noWait: true, noSandbox: true }]);
    expect((await cli(['run', '--no-sandbox'])).calls.run).toEqual([{ noSandbox: true }]);
  });

  it('passes the budget, limit, webhook and test flags as typed', async () => {
    const r = await cli([
      '--max-budget-usd',
      '12.50',
      '--max-session-budget-usd=2',
      '--max-duration',
      '8h',
      '--notify-url',
      'https://hooks.example.com/x',
      '--test-timeout',
      '90s',
      '--regression-sample',
      '0',
    ]);
    expect(r.calls.run).toEqual([
      {
        maxBudgetUsd: '12.50',
        maxSessionBudgetUsd: '2',
        maxDuration: '8h',
        notifyUrl: 'https://hooks.example.com/x',
        testTimeout: '90s',
        regressionSample: '0',
      },
    ]);
  });

  it('passes --json, --quiet and --verbose only when given, on the program and on run', async () => {
    expect((await cli(['--json'])).calls.run).toEqual([{ json: true }]);
    expect((await cli(['run', '--quiet'])).calls.run).toEqual([{ quiet: true }]);
    expect((await cli(['--verbose', '--json'])).calls.run).toEqual([{ verbose: true, json: true }]);
    // Both together reach resolveRunConfig, which reports it with the other problems.
    expect((await cli(['--quiet', '--verbose'])).calls.run).toEqual([{ quiet: true, verbose: true }]);
  });

  it('rejects a value after a flag that takes none', async () => {
    const r = await cli(['--no-wait=false']);
    expect(r.code).toBe(2);
    expect(r.calls.run).toEqual([]);
  });
});

describe('doctor and skipped', () => {
  it('passes the doctor project folder only when given', async () => {
    expect((await cli(['doctor'])).calls.doctor).toEqual([{}]);
    expect((await cli(['doctor', '--project-dir', 'app'])).calls.doctor).toEqual([{ projectDir: 'app' }]);
  });

  it('lists, resets ids, resets all and prints JSON', async () => {
    expect((await cli(['skipped', '--project-dir', 'app'])).calls.skipped).toEqual([{ projectDir: 'app' }]);
    expect((await cli(['skipped', '--project-dir', 'app', '--json'])).calls.skipped).toEqual([
      { projectDir: 'app', json: true },
    ]);
    expect(
      (await cli(['skipped', '--project-dir', 'app', '--reset', 'F012', 'F040', '--json'])).calls.skipped,
    ).toEqual([{ projectDir: 'app', reset: ['F012', 'F040'], json: true }]);
    expect((await cli(['skipped', '--all', '--project-dir', 'app'])).calls.skipped).toEqual([
      { projectDir: 'app', reset: 'all' },
    ]);
  });

  it('returns the action exit code', async () => {
    expect((await cli(['skipped', '--project-dir', 'app'], { code: 0 })).code).toBe(0);
    expect((await cli(['doctor'], { code: 1 })).code).toBe(1);
  });

  it('refuses --reset with --all (exit 2)', async () => {
    const r = await cli(['skipped', '--project-dir', 'app', '--reset', 'F012', '--all']);
    expect(r.code).toBe(2);
    expect(r.calls.skipped).toEqual([]);
    expect(r.err.text).toBe(
      'claude-harness: --reset and --all cannot be used together: pass the ids to --reset, or --all to reset every skipped feature\n',
    );
  });

  it.each([
    [['skipped'], "required option '--project-dir <dir>' not specified"],
    [['skipped', '--project-dir', 'app', '--reset'], "option '--reset <ids...>' argument missing"],
    [
      ['skipped', '--project-dir', 'app', 'F012'],
      "too many arguments for 'skipped'. Expected 0 arguments but got 1",
    ],
    [['doctor', '--fix'], "unknown option '--fix'"],
  ])('%j is a usage error', async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.err.text).toBe(`claude-harness: ${message}; see 'claude-harness --help'\n`);
    expect(r.calls.skipped).toEqual([]);
    expect(r.calls.doctor).toEqual([]);
  });
});

describe('status and report', () => {
  it('passes the project folder as typed, and --json or --out when given', async () => {
    expect((await cli(['status', '--project-dir', 'app'])).calls.status).toEqual([{ projectDir: 'app' }]);
    expect((await cli(['status', '--json', '--project-dir=app'])).calls.status).toEqual([
      { projectDir: 'app', json: true },
    ]);
    expect((await cli(['report', '--project-dir', 'app'])).calls.report).toEqual([{ projectDir: 'app' }]);
    expect((await cli(['report', '--project-dir', 'app', '--out', 'out/r.html'])).calls.report).toEqual([
      { projectDir: 'app', out: 'out/r.html' },
    ]);
  });

  it('returns the action exit code', async () => {
    expect((await cli(['status', '--project-dir', 'app'], { code: 0 })).code).toBe(0);
    expect((await cli(['report', '--project-dir', 'app'], { code: 1 })).code).toBe(1);
  });

  it.each([
    [['status'], "required option '--project-dir <dir>' not specified"],
    [['report'], "required option '--project-dir <dir>' not specified"],
    [['report', '--project-dir', 'app', '--out'], "option '--out <file>' argument missing"],
    [
      ['status', '--project-dir', 'app', 'now'],
      "too many arguments for 'status'. Expected 0 arguments but got 1",
    ],
    [['status', '--project-dir', 'app', '--watch'], "unknown option '--watch'"],
  ])('%j is a usage error', async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.err.text).toBe(`claude-harness: ${message}; see 'claude-harness --help'\n`);
    expect(r.calls).toEqual(NO_CALLS);
  });
});

describe('policy', () => {
  it('check passes the commands, one argument each, and the options given', async () => {
    expect((await cli(['policy', 'check', 'ls -la', 'rm -rf /'])).calls.policyCheck).toEqual([
      { commands: ['ls -la', 'rm -rf /'] },
    ]);
    expect(
      (await cli(['policy', 'check', '--project-dir', 'app', '--json', 'npm test'])).calls.policyCheck,
    ).toEqual([{ commands: ['npm test'], projectDir: 'app', json: true }]);
    expect((await cli(['policy', 'check', '--stdin'])).calls.policyCheck).toEqual([
      { commands: [], stdin: true },
    ]);
    // After --, a command may start with a dash.
    expect((await cli(['policy', 'check', '--', '-x'])).calls.policyCheck).toEqual([{ commands: ['-x'] }]);
  });

  it('check returns the action exit code: 1 when a command is denied', async () => {
    expect((await cli(['policy', 'check', 'rm -rf /'], { code: 1 })).code).toBe(1);
    expect((await cli(['policy', 'check', 'ls'], { code: 0 })).code).toBe(0);
  });

  it('show passes the project folder only when given', async () => {
    expect((await cli(['policy', 'show'])).calls.policyShow).toEqual([{}]);
    expect((await cli(['policy', 'show', '--project-dir', 'app'])).calls.policyShow).toEqual([
      { projectDir: 'app' },
    ]);
  });

  it.each([
    [['policy', 'chek'], "unknown command 'chek'"],
    [['policy', 'show', 'extra'], "too many arguments for 'show'. Expected 0 arguments but got 1"],
    [['policy', 'check', '--colour', 'ls'], "unknown option '--colour'"],
  ])('%j is a usage error', async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.err.text).toMatch(
      new RegExp(`^claude-harness: ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
    );
    expect(r.calls).toEqual(NO_CALLS);
  });

  it('policy alone prints its help on stderr and exits 2', async () => {
    const r = await cli(['policy']);
    expect(r.code).toBe(2);
    expect(r.err.text).toContain('check [options] [command...]');
    expect(r.err.text).toContain('show [options]');
    expect(r.calls).toEqual(NO_CALLS);
  });

  it('help policy check lists its options', async () => {
    const r = await cli(['policy', 'check', '--help']);
    expect(r.code).toBe(0);
    for (const option of ['--project-dir <dir>', '--json', '--stdin', '[command...]']) {
      expect(r.out.text).toContain(option);
    }
  });
});

describe('demo and fake-model', () => {
  it('passes the demo project folder as typed', async () => {
    expect((await cli(['demo'])).calls.demo).toEqual([{}]);
    expect((await cli(['demo', '--project-dir', 'out/demo'])).calls.demo).toEqual([
      { projectDir: 'out/demo' },
    ]);
  });

  it('parses the fake-model port', async () => {
    expect((await cli(['fake-model', '--scenario', 's.yaml'])).calls.fakeModel).toEqual([
      { scenario: 's.yaml' },
    ]);
    const r = await cli(['fake-model', '--scenario', 's.yaml', '--port', '8080']);
    expect(r.calls.fakeModel).toEqual([{ scenario: 's.yaml', port: 8080 }]);
    expect((await cli(['fake-model', '--scenario', 's.yaml', '--port', '0'])).calls.fakeModel[0]?.port).toBe(
      0,
    );
  });

  it.each(['65536', '-1', 'abc', '80.5', ''])('rejects --port %j with exit 2', async (port) => {
    const r = await cli(['fake-model', '--scenario', 's.yaml', '--port', port]);
    expect(r.code).toBe(2);
    expect(r.calls.fakeModel).toEqual([]);
    expect(r.err.text).toMatch(
      /^claude-harness: .*The port must be a whole number from 0 to 65535; see 'claude-harness --help'\n$/,
    );
  });

  it('requires --scenario', async () => {
    const r = await cli(['fake-model']);
    expect(r.code).toBe(2);
    expect(r.err.text).toBe(
      "claude-harness: required option '--scenario <file>' not specified; see 'claude-harness --help'\n",
    );
  });
});

describe('parse errors: one line, exit 2, no action', () => {
  it.each([
    [['--bogus'], "unknown option '--bogus'"],
    [['--modle', 'opus'], "unknown option '--modle' (Did you mean one of --mode, --model?)"],
    [['run', '--bogus'], "unknown option '--bogus'"],
    [['--max-iterations'], "option '--max-iterations <n>' argument missing"],
    [['demoo'], "unknown command 'demoo' (did you mean demo?)"],
    [
      ['build'],
      "unknown command 'build' (commands: run, demo, doctor, skipped, status, report, policy, fake-model, version)",
    ],
    [['skiped'], "unknown command 'skiped' (did you mean skipped?)"],
    [['stats'], "unknown command 'stats' (did you mean status?)"],
    [['--max-budget-usd'], "option '--max-budget-usd <usd>' argument missing"],
    [['--json=true'], "unknown option '--json=true'"],
    [['run', 'extra'], "too many arguments for 'run'. Expected 0 arguments but got 1"],
  ])('%j', async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.err.text).toBe(`claude-harness: ${message}; see 'claude-harness --help'\n`);
    expect(r.out.text).toBe('');
    expect(r.calls).toEqual(NO_CALLS);
  });
});

describe('help and version', () => {
  it.each([['--version'], ['-v'], ['-V'], ['version']])(
    '%s prints the version from package.json',
    async (flag) => {
      const r = await cli([flag]);
      expect(r.code).toBe(0);
      expect(r.out.text).toBe('0.1.0\n');
      expect(r.calls).toEqual(NO_CALLS);
    },
  );

  it('doctor --json asks the doctor for JSON', async () => {
    const r = await cli(['doctor', '--json']);
    expect(r.calls.doctor).toEqual([{ json: true }]);
  });

  it.each([[['--help']], [['run', '--help']], [['help', 'run']]])('%j lists the run flags', async (argv) => {
    const r = await cli(argv);
    expect(r.code).toBe(0);
    expect(r.out.text).toContain('--session-timeout <duration>');
    expect(r.out.text).toContain('--no-sandbox');
    expect(r.err.text).toBe('');
  });

  it('lists the commands', async () => {
    const { out } = await cli(['--help']);
    for (const command of [
      'run [options]',
      'demo [options]',
      'doctor [options]',
      'skipped [options]',
      'status [options]',
      'report [options]',
      'policy',
      'fake-model [options]',
    ]) {
      expect(out.text).toContain(command);
    }
    expect(out.text).not.toMatch(/not implemented|coming soon/i);
  });
});

describe('error mapping', () => {
  it('prints a harness error as one line and exits with its code', async () => {
    const r = await cli(['--project-dir', 'app'], { error: new EngineError('the session ended early') });
    expect(r.code).toBe(1);
    expect(r.err.text).toBe('claude-harness: the session ended early\n');
  });

  it('redacts secrets and removes terminal control sequences from an error message', async () => {
    const token = ['gh', 'p_', 'R8mK2vQ9xL4tZ7wN1bC6yH3jF5sD0gA2pE8u'].join('');
    const r = await cli(
      ['--project-dir', 'app'],
      { error: new EngineError(`push failed for ${token} \u001b]0;owned\u0007\u009b2Jdone`) },
      {
        MY_TOKEN: 'value-of-my-token',
      },
    );
    expect(r.err.text).toBe('claude-harness: push failed for [REDACTED:github-token] done\n');
    const fromEnv = await cli(
      ['--project-dir', 'app'],
      { error: new Error('bad value-of-my-token') },
      { MY_TOKEN: 'value-of-my-token' },
    );
    expect(fromEnv.err.text).toContain('bad [REDACTED:MY_TOKEN]');
  });

  it('prints one line per problem', async () => {
    const r = await cli(['--project-dir', 'app'], {
      error: new ConfigError('first problem\nsecond problem'),
    });
    expect(r.code).toBe(2);
    expect(r.err.text).toBe('claude-harness: first problem\nclaude-harness: second problem\n');
  });

  it('prints an unexpected error without its stack, exit 1', async () => {
    const r = await cli(['--project-dir', 'app'], { error: new TypeError('boom') });
    expect(r.code).toBe(1);
    expect(r.err.text).toBe('claude-harness: boom (set CLAUDE_HARNESS_DEBUG=1 to see the stack trace)\n');
  });

  it('adds the stack and cause with CLAUDE_HARNESS_DEBUG=1', async () => {
    const error = new Error('boom', { cause: new Error('root cause') });
    const r = await cli(['--project-dir', 'app'], { error }, { CLAUDE_HARNESS_DEBUG: '1' });
    expect(r.code).toBe(1);
    expect(r.err.text).toMatch(/^claude-harness: boom\nError: boom\n\s+at /);
    expect(r.err.text).toContain('caused by: Error: root cause');
  });
});

describe('createActions', () => {
  it('run checks every setting before anything else', async () => {
    const h = harness();
    const error = await createActions(h.io)
      .run({})
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message.split('\n')[0]).toBe(PROJECT_DIR_REQUIRED);
  });

  it('demo, doctor, skipped and fake-model reject empty paths', async () => {
    const h = harness();
    await expect(createActions(h.io).demo({ projectDir: '' })).rejects.toBeInstanceOf(UsageError);
    await expect(createActions(h.io).doctor({ projectDir: ' ' })).rejects.toBeInstanceOf(UsageError);
    await expect(createActions(h.io).skipped({ projectDir: '' })).rejects.toBeInstanceOf(UsageError);
    await expect(createActions(h.io).fakeModel({ scenario: ' ' })).rejects.toBeInstanceOf(UsageError);
  });

  it('status, report and policy show reject empty paths', async () => {
    const h = harness();
    const actions = createActions(h.io);
    await expect(actions.status({ projectDir: ' ' })).rejects.toBeInstanceOf(UsageError);
    await expect(actions.report({ projectDir: '' })).rejects.toBeInstanceOf(UsageError);
    await expect(actions.report({ projectDir: 'app', out: ' ' })).rejects.toThrow(/^--out is empty/);
    await expect(actions.policyShow({ projectDir: '' })).rejects.toBeInstanceOf(UsageError);
    await expect(actions.policyCheck({ projectDir: '', commands: ['ls'] })).rejects.toBeInstanceOf(
      UsageError,
    );
  });

  it('status and report need a project with a run (exit 2)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'claude-harness-cli-status-'));
    try {
      const h = harness({}, dir);
      await expect(createActions(h.io).status({ projectDir: '.' })).rejects.toThrow(
        /^no claude-harness run in /,
      );
      await expect(createActions(h.io).report({ projectDir: '.' })).rejects.toThrow(
        /^no claude-harness run in /,
      );
      await expect(createActions(h.io).status({ projectDir: 'missing' })).rejects.toBeInstanceOf(UsageError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  describe('policy, with the project’s claude-harness.json', () => {
    async function withProject(config: unknown, use: (dir: string) => Promise<void>): Promise<void> {
      const dir = await mkdtemp(join(tmpdir(), 'claude-harness-cli-policy-'));
      try {
        await mkdir(join(dir, 'app'));
        await writeFile(join(dir, 'app', 'claude-harness.json'), JSON.stringify(config));
        await use(dir);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    const config = { policy: { denyCommands: ['ls'], allowCommands: ['make'] } };

    it('check applies the policy section: exit 1 when any command is denied, 0 when none is', async () => {
      await withProject(config, async (dir) => {
        const h = harness({}, dir);
        const actions = createActions(h.io);
        expect(await actions.policyCheck({ projectDir: 'app', commands: ['make build', 'ls'] })).toBe(1);
        expect(h.out.text).toMatch(/^allow {2}make build\n/);
        expect(h.out.text).toContain('DENY   ls\n');
        expect(await actions.policyCheck({ projectDir: 'app', json: true, commands: ['make build'] })).toBe(
          0,
        );
        // Without --project-dir, the current folder is the project.
        const inApp = harness({}, join(dir, 'app'));
        expect(await createActions(inApp.io).policyCheck({ commands: ['ls'] })).toBe(1);
      });
    });

    it('check --stdin reads a JSON array from standard input', async () => {
      await withProject(config, async (dir) => {
        const h = harness({}, dir);
        h.io.stdin = Readable.from([JSON.stringify(['make', 'git status'])]);
        expect(
          await createActions(h.io).policyCheck({ projectDir: 'app', stdin: true, json: true, commands: [] }),
        ).toBe(0);
        const results = JSON.parse(h.out.text) as { command: string; decision: string }[];
        expect(results.map((result) => [result.command, result.decision])).toEqual([
          ['make', 'allow'],
          ['git status', 'allow'],
        ]);
      });
    });

    it('show prints the merged policy', async () => {
      await withProject(config, async (dir) => {
        const h = harness({}, dir);
        expect(await createActions(h.io).policyShow({ projectDir: 'app' })).toBe(0);
        expect(h.out.text).toContain('"make"');
      });
    });

    it('a damaged config file or a missing folder is exit 2', async () => {
      await withProject({ policy: { allowComands: ['make'] } }, async (dir) => {
        const h = harness({}, dir);
        const error = await createActions(h.io)
          .policyCheck({ projectDir: 'app', commands: ['ls'] })
          .catch((thrown: unknown) => thrown);
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).message).toMatch(/"policy" has unknown key "allowComands"/);
        await expect(createActions(h.io).policyShow({ projectDir: 'app' })).rejects.toBeInstanceOf(
          ConfigError,
        );
        await expect(createActions(h.io).policyShow({ projectDir: 'nope' })).rejects.toBeInstanceOf(
          UsageError,
        );
        await expect(
          createActions(h.io).policyCheck({ projectDir: 'nope', commands: ['ls'] }),
        ).rejects.toBeInstanceOf(UsageError);
      });
    });
  });

  it('doctor and skipped refuse a project folder that does not exist', async () => {
    const h = harness();
    const doctor = await createActions(h.io)
      .doctor({ projectDir: 'missing-app' })
      .catch((thrown: unknown) => thrown);
    expect(doctor).toBeInstanceOf(UsageError);
    expect((doctor as UsageError).message).toBe(
      '--project-dir /work/here/missing-app is not a folder: pass an existing project folder',
    );
    await expect(createActions(h.io).skipped({ projectDir: 'missing-app' })).rejects.toBeInstanceOf(
      UsageError,
    );
  });
});
