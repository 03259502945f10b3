import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createActions } from '../../src/cli/actions.js';
import type { CommandIO } from '../../src/cli/io.js';
import {
  type CliActions,
  type DoctorCommandOptions,
  type FakeModelOptions,
  runCli,
  type SkippedOptions,
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
    fakeModel: FakeModelOptions[];
  };
}

function harness(env: NodeJS.ProcessEnv = {}): Harness {
  const out = new Capture();
  const err = new Capture();
  return {
    io: { out, err, env, signal: new AbortController().signal, cwd: '/work/here' },
    out,
    err,
    calls: { run: [], demo: [], doctor: [], skipped: [], fakeModel: [] },
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
    const r = await cli([]);
    expect(r.calls.run).toEqual([{}]);
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
    [['build'], "unknown command 'build' (commands: run, demo, doctor, skipped, fake-model)"],
    [['skiped'], "unknown command 'skiped' (did you mean skipped?)"],
    [['run', 'extra'], "too many arguments for 'run'. Expected 0 arguments but got 1"],
  ])('%j', async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.err.text).toBe(`claude-harness: ${message}; see 'claude-harness --help'\n`);
    expect(r.out.text).toBe('');
    expect(r.calls).toEqual({ run: [], demo: [], doctor: [], skipped: [], fakeModel: [] });
  });
});

describe('help and version', () => {
  it('prints the version from package.json', async () => {
    const r = await cli(['--version']);
    expect(r.code).toBe(0);
    expect(r.out.text).toBe('0.1.0\n');
    expect(r.calls.run).toEqual([]);
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
      'fake-model [options]',
    ]) {
      expect(out.text).toContain(command);
    }
    expect(out.text).not.toMatch(/not implemented|coming soon/i);
  });
});

describe('error mapping', () => {
  it('prints a harness error as one line and exits with its code', async () => {
    const r = await cli([], { error: new EngineError('the session ended early') });
    expect(r.code).toBe(1);
    expect(r.err.text).toBe('claude-harness: the session ended early\n');
  });

  it('prints one line per problem', async () => {
    const r = await cli([], { error: new ConfigError('first problem\nsecond problem') });
    expect(r.code).toBe(2);
    expect(r.err.text).toBe('claude-harness: first problem\nclaude-harness: second problem\n');
  });

  it('prints an unexpected error without its stack, exit 1', async () => {
    const r = await cli([], { error: new TypeError('boom') });
    expect(r.code).toBe(1);
    expect(r.err.text).toBe('claude-harness: boom (set CLAUDE_HARNESS_DEBUG=1 to see the stack trace)\n');
  });

  it('adds the stack and cause with CLAUDE_HARNESS_DEBUG=1', async () => {
    const error = new Error('boom', { cause: new Error('root cause') });
    const r = await cli([], { error }, { CLAUDE_HARNESS_DEBUG: '1' });
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
