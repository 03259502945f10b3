import { describe, expect, it } from 'vitest';

// What `import 'claude-harness'` and `import 'claude-harness/fake-anthropic'` give a user of the package.
describe('package entry points', () => {
  it('exports the engine, the config defaults and the error classes', async () => {
    const api = await import('claude-harness');
    expect(typeof api.runSession).toBe('function');
    expect(api.DEFAULTS.sessionTimeoutMs).toBe(120 * 60_000);
    expect(new api.UsageError('x').exitCode).toBe(2);
  });

  it('exports the fake Anthropic server', async () => {
    const fake = await import('claude-harness/fake-anthropic');
    expect(typeof fake.startFakeAnthropic).toBe('function');
    expect(typeof fake.parseScenario).toBe('function');
  });
});
