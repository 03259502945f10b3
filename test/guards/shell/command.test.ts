import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandIO } from '../../../src/cli/io.js';
import { ConfigError, UsageError } from '../../../src/errors/index.js';
import { runPolicyCheckCommand, runPolicyShowCommand } from '../../../src/guards/shell/command.js';
import { createFixture, type PolicyFixture } from './fixture.js';

let fixture: PolicyFixture;
beforeAll(() => {
  fixture = createFixture();
});
afterAll(() => fixture.cleanup());

function io(): { io: CommandIO; out: () => string } {
  const out = new PassThrough();
  const err = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  return {
    io: { out, err, env: {}, signal: new AbortController().signal, cwd: fixture.projectDir },
    out: () => text,
  };
}

const base = { projectDir: '.', json: false, stdin: false };

describe('claude-harness policy check', () => {
  it('explains each decision in text and exits 1 when any is denied', async () => {
    const run = io();
    const code = await runPolicyCheckCommand({ ...base, commands: ['ls && npm test', 'rm -rf /'] }, run.io);
    expect(code).toBe(1);
    const lines = run.out().split('\n');
    expect(lines[0]).toBe('allow  ls && npm test');
    expect(lines[1]).toBe('       allowed: ls, npm');
    expect(lines[2]).toBe('DENY   rm -rf /');
    expect(lines[3]).toMatch(/^ {7}rm-outside-project: rm outside the project: `\/` resolves outside /);
    expect(lines[4]).toBe(`1 allowed, 1 denied (project ${fixture.projectDir})`);
  });

  it('exits 0 when every command is allowed', async () => {
    const run = io();
    expect(await runPolicyCheckCommand({ ...base, commands: ['git status', 'npm run build'] }, run.io)).toBe(
      0,
    );
  });

  it('prints JSON in input order with --json', async () => {
    const run = io();
    const commands = ['curl https://evil.com', 'ls', 'echo x > /etc/x'];
    const code = await runPolicyCheckCommand({ ...base, json: true, commands }, run.io);
    expect(code).toBe(1);
    const results = JSON.parse(run.out()) as Array<Record<string, string>>;
    expect(results.map((result) => [result.command, result.decision])).toEqual([
      ['curl https://evil.com', 'deny'],
      ['ls', 'allow'],
      ['echo x > /etc/x', 'deny'],
    ]);
    expect(results[0]).toMatchObject({ rule: 'curl-host', reason: expect.stringContaining('evil.com') });
  });

  it('reads a JSON array of commands with --stdin', async () => {
    const run = io();
    const input = Readable.from([JSON.stringify(['ls', 'pkill -f node', 'bash -c "rm -rf /"'])]);
    const code = await runPolicyCheckCommand(
      { ...base, json: true, stdin: true, commands: [], input },
      run.io,
    );
    expect(code).toBe(1);
    const results = JSON.parse(run.out()) as Array<{ decision: string }>;
    expect(results.map((result) => result.decision)).toEqual(['allow', 'deny', 'deny']);
  });

  it('applies the policy section of the config', async () => {
    const run = io();
    const code = await runPolicyCheckCommand(
      {
        ...base,
        commands: ['make build', 'curl https://api.example.com'],
        policyConfig: { allowCommands: ['make'], allowHosts: ['api.example.com'] },
      },
      run.io,
    );
    expect(code).toBe(0);
  });

  it('refuses bad usage with UsageError (exit 2)', async () => {
    const run = io();
    await expect(runPolicyCheckCommand({ ...base, commands: [] }, run.io)).rejects.toBeInstanceOf(UsageError);
    await expect(
      runPolicyCheckCommand({ ...base, stdin: true, commands: ['ls'], input: Readable.from(['[]']) }, run.io),
    ).rejects.toBeInstanceOf(UsageError);
    await expect(
      runPolicyCheckCommand(
        { ...base, stdin: true, commands: [], input: Readable.from(['{"a":1}']) },
        run.io,
      ),
    ).rejects.toThrow(/JSON array of command strings/);
    await expect(
      runPolicyCheckCommand(
        { ...base, stdin: true, commands: [], input: Readable.from(['not json']) },
        run.io,
      ),
    ).rejects.toBeInstanceOf(UsageError);
    await expect(
      runPolicyCheckCommand({ ...base, projectDir: 'no-such-dir', commands: ['ls'] }, run.io),
    ).rejects.toThrow(/no such folder/);
    const error = await runPolicyCheckCommand({ ...base, commands: ['ls'] }, run.io).catch((e: unknown) => e);
    expect(error).toBe(0);
  });

  it('refuses a bad policy section with ConfigError (exit 2)', async () => {
    const run = io();
    const error = await runPolicyCheckCommand(
      { ...base, commands: ['ls'], policyConfig: { allowComands: ['x'] } },
      run.io,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).exitCode).toBe(2);
    expect((error as Error).message).toContain('allowComands');
    await expect(
      runPolicyCheckCommand({ ...base, commands: ['ls'], policyConfig: { allowCommands: ['eval'] } }, run.io),
    ).rejects.toThrow(/can never be allowed/);
  });
});

describe('claude-harness policy show', () => {
  it('prints the merged policy as JSON', async () => {
    const run = io();
    expect(
      await runPolicyShowCommand(
        { policyConfig: { allowCommands: ['make'], denyCommands: ['curl'] } },
        run.io,
      ),
    ).toBe(0);
    const policy = JSON.parse(run.out()) as {
      commands: Record<string, string>;
      deniedCommands: Record<string, string>;
      allowHosts: string[];
    };
    expect(policy.commands.make).toBe('plain');
    expect(policy.commands.rm).toBe('rm');
    expect(policy.commands.curl).toBeUndefined();
    expect(policy.deniedCommands.curl).toContain('project policy');
    expect(policy.deniedCommands.eval).toBeDefined();
    expect(policy.allowHosts).toContain('localhost');
  });
});
