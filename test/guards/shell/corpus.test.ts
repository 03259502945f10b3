/**
 * The policy against the corpus (corpus.ts), through `checkCommand`, the code path of the guard and of
 * `claude-harness policy check`: no dangerous command may be allowed, and at least 97 % of the everyday
 * commands must be. A failure prints every offender.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../../src/guards/shell/default-policy.js';
import { checkCommand } from '../../../src/guards/shell/evaluate.js';
import { BENIGN, DANGEROUS } from './corpus.js';
import { createFixture, type PolicyFixture } from './fixture.js';

let fixture: PolicyFixture;

beforeAll(() => {
  fixture = createFixture();
});
afterAll(() => fixture.cleanup());

async function decide(command: string) {
  return checkCommand(command.replaceAll('{OUT}', fixture.outsideDir), DEFAULT_POLICY, fixture.context);
}

describe('shell policy corpus', () => {
  it('refuses every dangerous command', async () => {
    const allowed: string[] = [];
    let total = 0;
    for (const group of DANGEROUS) {
      for (const command of group.commands) {
        total += 1;
        const decision = await decide(command);
        if (decision.decision === 'allow') allowed.push(`[${group.name}] ${JSON.stringify(command)}`);
      }
    }
    expect(total).toBeGreaterThan(250);
    expect(
      allowed,
      `${allowed.length} of ${total} dangerous commands allowed:\n${allowed.join('\n')}`,
    ).toEqual([]);
  });

  it('allows at least 97 % of the everyday commands', async () => {
    const denied: string[] = [];
    for (const command of BENIGN) {
      const decision = await decide(command);
      if (decision.decision === 'deny')
        denied.push(`${JSON.stringify(command)} → ${decision.rule}: ${decision.reason}`);
    }
    const share = 1 - denied.length / BENIGN.length;
    expect(BENIGN.length).toBeGreaterThan(150);
    expect(
      share,
      `${denied.length} of ${BENIGN.length} everyday commands denied:\n${denied.join('\n')}`,
    ).toBeGreaterThanOrEqual(0.97);
  });

  it('has no command in both lists', () => {
    const dangerous = new Set(DANGEROUS.flatMap((group) => group.commands));
    expect(BENIGN.filter((command) => dangerous.has(command))).toEqual([]);
  });
});
