/**
 * Spawns the built CLI (`dist/`, built by test/global-setup.ts) for the few things only a real process shows:
 * the exit code, what reaches stdout and stderr, and the version read from package.json.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flagSyntax, runSettings } from '../../src/config/settings.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

function run(args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [MAIN, ...args],
      { cwd, env: { PATH: process.env.PATH } },
      (error, stdout, stderr) => {
        const code = error ? Number((error as { code?: unknown }).code ?? 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

describe('the claude-harness process', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claude-harness-cli-'));
    await writeFile(join(dir, 'spec.md'), 'Build a todo app.\n');
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('--help lists every run flag with its default, and the commands', async () => {
    const { code, stdout, stderr } = await run(['--help']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const help = stdout.replace(/\s+/g, ' ');
    for (const setting of runSettings()) {
      const entry = help.slice(help.indexOf(`${flagSyntax(setting)} `)).split(' --')[0] ?? '';
      expect(entry, setting.flag).toContain(setting.description);
      // A flag without a value (--no-wait) is off unless given: there is no default to show.
      if (setting.defaultText !== null && setting.kind !== 'boolean-negated')
        expect(entry, setting.flag).toContain(`(default: ${setting.defaultText})`);
    }
    expect(help).toContain('--session-timeout <duration>');
    expect(help).toContain('(default: 2h)');
    expect(help).toContain('(default: 10m)');
    expect(help).toContain('(default: 3s)');
    expect(help).toContain('(default: 3)');
    expect(help).toContain('(default: 200)');
    expect(help).toContain('(default: unlimited)');
    expect(help).toContain('(default: sonnet)');
    expect(help).toContain('(default: greenfield)');
    for (const command of [' run ', ' demo ', ' doctor ', ' skipped ', ' fake-model ']) {
      expect(help).toContain(command);
    }
  });

  it.each([['--version'], ['-v'], ['-V'], ['version']])('%s prints the package version', async (flag) => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    const { code, stdout, stderr } = await run([flag]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe(`${pkg.version}\n`);
  });

  it('bare claude-harness prints the usage once (no error lines) and exits 2', async () => {
    const { code, stdout, stderr } = await run([], dir);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^Usage: claude-harness \[options\] \[command\]/);
    expect(stderr).toContain('--project-dir <dir>');
    expect(stderr).toContain('Examples:');
    expect(stderr).not.toMatch(/^claude-harness: /m);
  });

  it.each([
    ['skipped', '--project-dir <dir>'],
    ['status', '--project-dir <dir>'],
    ['report', '--project-dir <dir>'],
    ['fake-model', '--scenario <file>'],
  ])('%s --help marks %s as required and shows examples', async (command, flag) => {
    const { code, stdout } = await run([command, '--help']);
    expect(code).toBe(0);
    const help = stdout.replace(/\s+/g, ' ');
    expect(help.slice(help.indexOf(flag)).split(' --')[0]).toContain('(required)');
    expect(stdout).toContain(`Examples:\n  $ claude-harness ${command} `);
  });

  it.each(['run', 'demo', 'doctor', 'policy check', 'policy show'])(
    '%s --help shows examples',
    async (command) => {
      const { code, stdout } = await run([...command.split(' '), '--help']);
      expect(code).toBe(0);
      expect(stdout).toContain(`Examples:\n  $ claude-harness ${command.startsWith('run') ? '' : command}`);
    },
  );

  it('a reader that goes away (`| head -1`, `| true`) ends the output quietly: no stack trace, exit 0', async () => {
    // `true` exits before the CLI writes its first byte: every write meets a closed pipe.
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((done) => {
      execFile(
        'bash',
        [
          '--norc',
          '--noprofile',
          '-c',
          `"${process.execPath}" "${MAIN}" --help | true; echo "exit=\${PIPESTATUS[0]}"`,
        ],
        { env: { PATH: process.env.PATH } },
        (_error, out, err) => done({ stdout: out, stderr: err }),
      );
    });
    expect(stderr).not.toContain('EPIPE');
    expect(stderr).not.toContain("Unhandled 'error' event");
    expect(stdout).toBe('exit=0\n');
  });

  it('an unknown flag exits 2 with one line', async () => {
    const { code, stdout, stderr } = await run(['--colour']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe("claude-harness: unknown option '--colour'; see 'claude-harness --help'\n");
  });

  it('bad values exit 2, one line each, before anything is written', async () => {
    const before = await readdir(dir, { recursive: true });
    const { code, stdout, stderr } = await run(
      ['--project-dir', 'app', '--spec', 'spec.md', '--max-iterations', 'abc', '--mode', 'fast'],
      dir,
    );
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.split('\n')).toEqual([
      'claude-harness: --mode must be one of greenfield, enhancement, bugfix, backlog, validation; got "fast"',
      'claude-harness: --max-iterations must be a whole number of 1 or more; got "abc"',
      '',
    ]);
    expect(await readdir(dir, { recursive: true })).toEqual(before);
  });

  it('doctor --json prints one JSON object: ok, the credential, and every check with ok/required/label/fix', async () => {
    const { code, stdout } = await run(['doctor', '--json']);
    const report = JSON.parse(stdout) as {
      ok: boolean;
      credential: unknown;
      checks: { ok: boolean; required: boolean; label: string; fix?: string }[];
    };
    // No credentials in this environment: the credentials check fails, with its fix.
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    expect(report.credential).toBeNull();
    const credentials = report.checks.find((check) => check.label.startsWith('credentials: '));
    expect(credentials).toMatchObject({ ok: false, required: true, label: 'credentials: none found' });
    expect(credentials?.fix).toContain('ANTHROPIC_AUTH_TOKEN');
    expect(report.checks.map((check) => check.label)).toContain(`Node.js ${process.versions.node}`);
  });
});
