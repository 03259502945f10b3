/** docs/report.md is hand-written; keep its flags, webhook events and status JSON in step with the code. */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NOTIFY_EVENTS } from '../../src/report/notify.js';
import { collectStatus, STATUS_JSON_VERSION } from '../../src/report/status.js';
import { buildFixture } from './fixture.js';

const text = readFileSync(new URL('../../docs/report.md', import.meta.url), 'utf8');

describe('docs/report.md', () => {
  it('documents the commands, the budget flags and every webhook event', () => {
    for (const flag of ['--max-budget-usd', '--max-session-budget-usd', '--max-duration', '--notify-url']) {
      expect(text, flag).toContain(`\`${flag}`);
    }
    expect(text).toContain('claude-harness status [--project-dir DIR] [--json]');
    expect(text).toContain('claude-harness report [--project-dir DIR] [--out FILE]');
    for (const event of NOTIFY_EVENTS) expect(text, event).toContain(`| \`${event}\` |`);
  });

  it('shows every field of status --json', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'docs-'));
    try {
      await buildFixture(dir);
      const status = await collectStatus(dir);
      expect(text).toContain(`"statusVersion": ${STATUS_JSON_VERSION}`);
      const shown = (object: object, where: string) => {
        for (const key of Object.keys(object)) expect(text, `${where}.${key}`).toContain(`"${key}"`);
      };
      shown(status, 'status');
      shown(status.features, 'features');
      shown(status.sessions, 'sessions');
      shown(status.sessions.current ?? {}, 'sessions.current');
      shown(status.sessions.last ?? {}, 'sessions.last');
      shown(status.time, 'time');
      shown(status.usage, 'usage');
      shown(status.events, 'events');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
