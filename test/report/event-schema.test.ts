import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  EVENT_SCHEMA_VERSION,
  EVENT_TYPES,
  eventJsonSchema,
  harnessEventSchema,
  parseEvent,
  parseEventLine,
} from '../../src/report/event-schema.js';
import { EVENT_LOG_VERSION } from '../../src/state/events.js';
import { eventsPath } from '../../src/state/paths.js';
import { buildFixture } from './fixture.js';

const SRC = new URL('../../src/', import.meta.url);

function sourceFiles(dir: URL): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const url = new URL(entry.name + (entry.isDirectory() ? '/' : ''), dir);
    if (entry.isDirectory()) files.push(...sourceFiles(url));
    else if (entry.name.endsWith('.ts')) files.push(url.pathname);
  }
  return files;
}

describe('the event schema', () => {
  it('has one schema per event type, and the version the log writes', () => {
    expect(EVENT_SCHEMA_VERSION).toBe(EVENT_LOG_VERSION);
    const types = harnessEventSchema.options.map((o) => o.shape.type.value);
    expect(types).toEqual([...EVENT_TYPES]);
  });

  it('covers every event type the harness writes (src/**: events.append and record calls)', () => {
    const written = new Set<string>();
    for (const file of sourceFiles(SRC)) {
      if (file.includes('/src/report/')) continue;
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\.append\(\s*(?:redactDeep\(\s*)?\{\s*type:\s*'([a-z_]+)'/g))
        written.add(m[1] ?? '');
      for (const m of text.matchAll(/\brecord\(\s*'([a-z_]+)'/g)) written.add(m[1] ?? '');
    }
    expect(written.size).toBeGreaterThan(10);
    const unknown = [...written].filter((type) => !(EVENT_TYPES as readonly string[]).includes(type));
    expect(unknown, 'add these to src/report/event-schema.ts and docs/events.md').toEqual([]);
  });

  it('accepts every line the harness writes for a run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'events-'));
    try {
      await buildFixture(dir);
      const lines = readFileSync(eventsPath(dir), 'utf8').trim().split('\n');
      expect(lines.length).toBeGreaterThan(20);
      for (const line of lines) {
        const parsed = parseEventLine(line);
        expect(parsed, line).toMatchObject({ ok: true });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps fields added later, and tells unknown types from broken records', () => {
    const at = '2026-11-20T09:00:00.000Z';
    const parsed = parseEvent({ v: 1, at, type: 'checkpoint', session: 2, commit: 'abc', branch: 'main' });
    expect(parsed).toEqual({
      ok: true,
      event: { v: 1, at, type: 'checkpoint', session: 2, commit: 'abc', branch: 'main' },
    });
    expect(parseEvent({ v: 1, at, type: 'something_new' })).toMatchObject({
      ok: false,
      problem: 'unknown-type',
    });
    expect(parseEvent({ v: 1, at, type: 'session_end', session: 1 })).toMatchObject({
      ok: false,
      problem: 'invalid',
      message: expect.stringMatching(/^session_end: kind: /),
    });
    expect(parseEvent([1])).toMatchObject({ ok: false, problem: 'not-an-event' });
    expect(parseEventLine('{"v":1,"at":"x","type":"tool_ca')).toMatchObject({
      ok: false,
      problem: 'not-json',
    });
    expect(
      parseEvent({
        v: 1,
        at,
        type: 'budget_stop',
        limit: 'max-budget-usd',
        spentUsd: 10.2,
        limitUsd: 10,
        reason: 'budget reached',
      }),
    ).toMatchObject({ ok: true });
    expect(parseEvent({ v: 1, at, type: 'budget_stop', limit: 'max-tokens', reason: 'x' })).toMatchObject({
      ok: false,
    });
  });

  it('exports a JSON Schema for consumers in other languages', () => {
    const schema = eventJsonSchema();
    expect(JSON.stringify(schema)).toContain('"policy_denial"');
    expect(schema.oneOf ?? schema.anyOf).toHaveLength(EVENT_TYPES.length);
  });
});

describe('docs/events.md', () => {
  it('documents the version and every event type', () => {
    const text = readFileSync(new URL('../../docs/events.md', import.meta.url), 'utf8');
    expect(text).toContain(`"v": ${EVENT_SCHEMA_VERSION}`);
    for (const type of EVENT_TYPES) expect(text, type).toContain(`### \`${type}\``);
  });
});
