import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileToolGuard } from '../../../src/guards/file-tools.js';
import { decide } from '../../../src/guards/pre-tool-use.js';
import { DEFAULT_POLICY } from '../../../src/guards/shell/default-policy.js';
import { shellGuard } from '../../../src/guards/shell/guard.js';
import { createFixture, type PolicyFixture } from './fixture.js';

let fixture: PolicyFixture;
beforeAll(() => {
  fixture = createFixture();
});
afterAll(() => fixture.cleanup());

describe('shell-policy guard', () => {
  it('checks Bash commands and leaves other tools alone', async () => {
    const guards = [shellGuard(DEFAULT_POLICY, [process.pid]), fileToolGuard()];
    const context = { projectDir: fixture.projectDir, stateDir: fixture.context.stateDir };
    expect(await decide(guards, { toolName: 'Bash', input: { command: 'npm test' } }, context)).toEqual({
      decision: 'allow',
    });
    const denied = await decide(guards, { toolName: 'Bash', input: { command: 'rm -rf /' } }, context);
    expect(denied).toMatchObject({ decision: 'deny', guard: 'shell-policy', rule: 'rm-outside-project' });
    if (denied.decision === 'deny')
      expect(denied.reason).toMatch(
        /^Command refused by the shell policy \(rm-outside-project\): rm outside/,
      );
    expect(await decide(guards, { toolName: 'Bash', input: {} }, context)).toMatchObject({
      rule: 'bad-input',
    });
    for (const toolName of ['BashOutput', 'KillShell', 'WebFetch', 'mcp__x__y']) {
      expect(await decide(guards, { toolName, input: { command: 'rm -rf /' } }, context), toolName).toEqual({
        decision: 'allow',
      });
    }
  });

  it('reads protected pids from a function at each check', async () => {
    const pids: number[] = [];
    const guard = shellGuard(DEFAULT_POLICY, () => pids);
    const context = { projectDir: fixture.projectDir, stateDir: fixture.context.stateDir };
    pids.push(process.pid);
    const decision = await guard.check(
      { toolName: 'Bash', input: { command: `kill ${process.pid}` } },
      context,
    );
    expect(decision).toMatchObject({ decision: 'deny', rule: 'kill-protected' });
  });
});
