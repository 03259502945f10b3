import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAlive, terminateTree } from '../../src/engine/process-tree.js';
import { RunLockHeldError } from '../../src/state/errors.js';
import { acquireRunLock, findLeftoverAgent, type RunLockInfo, readRunLock } from '../../src/state/lock.js';
import { isClaudeCliCommand, isHarnessCommand, readStartTicks } from '../../src/state/proc.js';
import { deadPid, distModule, startIdler, waitFor } from './helpers.js';

let dir: string;
const children: ChildProcess[] = [];
/** Processes not started by the test itself (the detached "CLI" of the kill -9 test). */
const orphans: number[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'run-lock-'));
  await mkdir(join(dir, '.claude-harness'));
});
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.pid !== undefined && isAlive(child.pid)) await terminateTree(child.pid, 500);
  }
  for (const pid of orphans.splice(0)) if (isAlive(pid)) await terminateTree(pid, 500);
  await rm(dir, { recursive: true, force: true });
});

const lockFile = () => join(dir, '.claude-harness', 'run.lock');
const writeLock = (info: RunLockInfo) => writeFile(lockFile(), JSON.stringify(info));
const idler = (marker: string, cwd = dir) => {
  const child = startIdler(marker, cwd);
  children.push(child);
  if (child.pid === undefined) throw new Error('no pid');
  return child.pid;
};
const lockOf = (pid: number, extra: Partial<RunLockInfo> = {}): RunLockInfo => ({
  pid,
  startedAt: '2026-11-25T09:00:00.000Z',
  hostname: hostname(),
  ...extra,
});

describe('acquireRunLock', () => {
  it('writes the lock, refuses a second holder, and releases', async () => {
    const lock = await acquireRunLock(dir);
    expect(lock.previous).toBeUndefined();
    expect(await readRunLock(dir)).toEqual({
      pid: process.pid,
      startedAt: lock.info.startedAt,
      hostname: hostname(),
      pidStart: readStartTicks(process.pid),
    });
    await expect(acquireRunLock(dir)).rejects.toBeInstanceOf(RunLockHeldError);
    await lock.release();
    expect(existsSync(lockFile())).toBe(false);
    await (await acquireRunLock(dir)).release();
  });

  it('refuses while another live claude-harness holds it', async () => {
    const pid = idler('/usr/lib/node_modules/claude-harness/dist/cli/main.js');
    await writeLock(lockOf(pid));
    const error = await acquireRunLock(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunLockHeldError);
    expect((error as RunLockHeldError).exitCode).toBe(2);
    expect((error as Error).message).toBe(
      `another claude-harness is running on ${dir} (pid ${pid} on ${hostname()}, started 2026-11-25T09:00:00.000Z). Wait for it to finish or stop it (kill ${pid}), then rerun to resume.`,
    );
  });

  it('uses the injected matcher to recognise a harness', async () => {
    const pid = idler('marker-harness');
    await writeLock(lockOf(pid));
    await expect(
      acquireRunLock(dir, { isHarness: (argv) => argv.includes('marker-harness') }),
    ).rejects.toThrow(RunLockHeldError);
    const lock = await acquireRunLock(dir, { isHarness: () => false });
    expect(lock.previous?.pid).toBe(pid);
    await lock.release();
  });

  it('takes over the lock of a dead harness and returns it', async () => {
    const stale = lockOf(await deadPid(), { cliPid: 12345 });
    await writeLock(stale);
    const lock = await acquireRunLock(dir);
    expect(lock.previous).toEqual(stale);
    expect(lock.info.pid).toBe(process.pid);
    await lock.release();
  });

  it('takes over when the pid was reused by another process (start time differs)', async () => {
    const pid = idler('claude-harness-lookalike');
    await writeLock(lockOf(pid, { pidStart: '1' }));
    const lock = await acquireRunLock(dir);
    expect(lock.previous?.pid).toBe(pid);
    await lock.release();
  });

  it('takes over an unreadable lock file', async () => {
    await writeFile(lockFile(), '{"pid": ');
    const lock = await acquireRunLock(dir);
    expect(lock.previous).toBeUndefined();
    await lock.release();
  });

  it('refuses a lock held on another machine, saying how to clear it', async () => {
    await writeLock(lockOf(1, { hostname: 'elsewhere.example' }));
    await expect(acquireRunLock(dir)).rejects.toThrow(
      /cannot check whether it is still running; if it is not, delete/,
    );
  });

  it('records and clears the CLI pid', async () => {
    const lock = await acquireRunLock(dir);
    const pid = idler('marker-cli');
    lock.recordCliPid(pid);
    expect(await readRunLock(dir)).toMatchObject({
      pid: process.pid,
      cliPid: pid,
      cliPidStart: readStartTicks(pid),
    });
    lock.recordCliPid(undefined);
    expect((await readRunLock(dir))?.cliPid).toBeUndefined();
    await lock.release();
  });

  it('is released when the process exits', async () => {
    const script = `
      const { acquireRunLock } = await import(${JSON.stringify(distModule('state/lock.js'))});
      await acquireRunLock(process.argv[1]);
      process.exit(0);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, dir], { stdio: 'ignore' });
    await new Promise((resolve) => child.once('exit', resolve));
    expect(existsSync(lockFile())).toBe(false);
  });
});

describe('findLeftoverAgent', () => {
  const isMarker = (argv: readonly string[]) => argv.includes('marker-claude');

  it('finds the live CLI the lock recorded, working in the project', async () => {
    const pid = idler('marker-claude');
    expect(findLeftoverAgent(lockOf(1, { cliPid: pid }), dir, { isClaudeCli: isMarker })).toBe(pid);
    const start = readStartTicks(pid);
    expect(
      findLeftoverAgent(lockOf(1, { cliPid: pid, cliPidStart: start }), dir, { isClaudeCli: isMarker }),
    ).toBe(pid);
  });

  it('ignores a process that is not the recorded CLI', async () => {
    const pid = idler('marker-claude');
    const elsewhere = idler('marker-claude', tmpdir());
    const other = idler('something-else');
    const find = (info: RunLockInfo) => findLeftoverAgent(info, dir, { isClaudeCli: isMarker });
    expect(find(lockOf(1))).toBeUndefined();
    expect(find(lockOf(1, { cliPid: await deadPid() }))).toBeUndefined();
    expect(find(lockOf(1, { cliPid: elsewhere }))).toBeUndefined();
    expect(find(lockOf(1, { cliPid: other }))).toBeUndefined();
    expect(find(lockOf(1, { cliPid: pid, cliPidStart: '1' }))).toBeUndefined();
    expect(find(lockOf(1, { cliPid: pid, hostname: 'elsewhere.example' }))).toBeUndefined();
    // The default matcher wants the claude CLI, not a node script.
    expect(findLeftoverAgent(lockOf(1, { cliPid: pid }), dir)).toBeUndefined();
  });

  it('after kill -9 of a harness, finds the agent it left running so a rerun can stop it', async () => {
    // A harness that takes the lock, starts a detached "CLI" in the project, records it, and is killed.
    const script = `
      import { spawn } from 'node:child_process';
      const { acquireRunLock } = await import(${JSON.stringify(distModule('state/lock.js'))});
      const lock = await acquireRunLock(process.argv[1]);
      const cli = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'marker-claude'], {
        cwd: process.argv[1], detached: true, stdio: 'ignore',
      });
      lock.recordCliPid(cli.pid);
      process.stdout.write(String(cli.pid) + '\\n');
      setInterval(() => {}, 1000);
    `;
    const harness = spawn(process.execPath, ['--input-type=module', '-e', script, dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(harness);
    let output = '';
    harness.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    await waitFor(() => output.includes('\n'));
    const cliPid = Number(output.trim());
    orphans.push(cliPid);
    harness.kill('SIGKILL');
    await new Promise((resolve) => harness.once('exit', resolve));
    expect(isAlive(cliPid)).toBe(true);

    const lock = await acquireRunLock(dir);
    expect(lock.previous?.cliPid).toBe(cliPid);
    const leftover = lock.previous && findLeftoverAgent(lock.previous, dir, { isClaudeCli: isMarker });
    expect(leftover).toBe(cliPid);
    await terminateTree(cliPid, 500);
    expect(isAlive(cliPid)).toBe(false);
    await lock.release();
  });
});

describe('command-line matchers', () => {
  it.each([
    [['/opt/app/node_modules/@anthropic-ai/claude-agent-sdk-linux-x64/claude', '-p', '--verbose'], true],
    [['claude'], true],
    [['node', '/x/node_modules/@anthropic-ai/claude-code/cli.js', '--output-format', 'stream-json'], true],
    [['node', '/x/node_modules/.bin/claude-harness', '--project-dir', '.'], false],
    [['node', '/x/cli.js'], false],
    [['/usr/bin/bash', '-c', 'claude'], false],
  ])('isClaudeCliCommand(%j) is %s', (argv, expected) => {
    expect(isClaudeCliCommand(argv)).toBe(expected);
  });

  it.each([
    [['node', '/x/node_modules/.bin/claude-harness', '--project-dir', '.'], true],
    [['/usr/local/bin/node', 'dist/cli/main.js', 'demo'], true],
    [['node20', '/home/u/src/claude-harness/dist/cli/main.js'], true],
    [['node', '/x/server.js'], false],
    [['/opt/claude-agent-sdk-linux-x64/claude', '-p'], false],
    [['vim', 'claude-harness.json'], false],
  ])('isHarnessCommand(%j) is %s', (argv, expected) => {
    expect(isHarnessCommand(argv)).toBe(expected);
  });
});

describe('readRunLock', () => {
  it('returns undefined without a lock file', async () => {
    expect(await readRunLock(dir)).toBeUndefined();
  });
});
