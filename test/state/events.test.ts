import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRedactor, redactEvents } from '../../src/report/redact.js';
import { openEventLog, teeEvents } from '../../src/state/events.js';
import { distModule, runNode } from './helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'events-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('events.jsonl', () => {
  it('writes one versioned JSON line per event', async () => {
    const log = openEventLog(dir, { now: () => new Date('2026-11-25T10:00:00.000Z') });
    expect(log.read()).toEqual([]);
    log.append({ type: 'session_start', session: 1, kind: 'initializer' });
    log.append({ type: 'session_end', at: '2026-11-25T10:05:00.000Z', session: 1, outcome: 'passed', v: 99 });
    const text = await readFile(join(dir, '.claude-harness', 'events.jsonl'), 'utf8');
    expect(text).toBe(
      '{"v":1,"at":"2026-11-25T10:00:00.000Z","type":"session_start","session":1,"kind":"initializer"}\n' +
        '{"v":1,"at":"2026-11-25T10:05:00.000Z","type":"session_end","session":1,"outcome":"passed"}\n',
    );
    expect(log.read().map((e) => e.type)).toEqual(['session_start', 'session_end']);
  });

  it('keeps a multi-line value on one line', () => {
    const log = openEventLog(dir);
    log.append({ type: 'note', text: 'a\nb' });
    expect(log.read()).toMatchObject([{ type: 'note', text: 'a\nb' }]);
  });

  it('writes terminal-safe lines, redacted when the log is wrapped by redactEvents (file and --json stream)', async () => {
    let streamed = '';
    const out = { write: (text: string) => (streamed += text) } as unknown as NodeJS.WritableStream;
    const token = ['gh', 'p_', 'R8mK2vQ9xL4tZ7wN1bC6yH3jF5sD0gA2pE8u'].join('');
    const log = redactEvents(teeEvents(openEventLog(dir), out), createRedactor({ env: {} }));
    const reason = `gave up ${token} \u001b]52;c;eA==\u0007 \u009b2J \u0085`;
    log.append({ type: 'feature_gave_up', reason, input: { password: 'hunter22x' } });
    const text = await readFile(join(dir, '.claude-harness', 'events.jsonl'), 'utf8');
    for (const written of [text, streamed]) {
      expect(written).not.toContain(token);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
      expect(written).not.toMatch(/[\u001b\u0080-\u009f]/);
      expect(JSON.parse(written)).toMatchObject({
        reason: 'gave up [REDACTED:github-token] \u001b]52;c;eA==\u0007 \u009b2J \u0085',
        input: { password: '[REDACTED:password]' },
      });
    }
  });

  it('skips a line torn by a crash', async () => {
    const log = openEventLog(dir);
    log.append({ type: 'one' });
    await appendFile(log.path, '{"v":1,"type":"tw');
    expect(log.read().map((e) => e.type)).toEqual(['one']);
  });

  it('starts the next run on a line of its own after a line torn by a crash', async () => {
    const log = openEventLog(dir);
    log.append({ type: 'one' });
    await appendFile(log.path, '{"v":1,"type":"tw');
    // The next process.
    openEventLog(dir).append({ type: 'three' });
    expect(log.read().map((e) => e.type)).toEqual(['one', 'three']);
    expect(await readFile(log.path, 'utf8')).toMatch(/"tw\n\{"v":1,"at":"[^"]+","type":"three"\}\n$/);
  });

  it('still reads an event glued to a torn line by an older harness', async () => {
    const log = openEventLog(dir);
    log.append({ type: 'one' });
    await appendFile(log.path, '{"v":1,"type":"tw{"v":1,"at":"x","type":"three"}\n');
    expect(log.read().map((e) => e.type)).toEqual(['one', 'three']);
  });

  it('never interleaves lines written by several processes at once', async () => {
    const lines = 200;
    const script = `
      const { openEventLog } = await import(${JSON.stringify(distModule('state/events.js'))});
      const log = openEventLog(process.argv[1]);
      const padding = 'x'.repeat(2000);
      for (let i = 0; i < ${lines}; i++) log.append({ type: 'tick', writer: process.argv[2], i, padding });
    `;
    const results = await Promise.all(['a', 'b', 'c'].map((w) => runNode(script, [dir, w])));
    for (const result of results) expect(result, result.stderr).toMatchObject({ code: 0 });
    const text = await readFile(openEventLog(dir).path, 'utf8');
    const parsed = text
      .trimEnd()
      .split('\n')
      // A writer's first line may start with a newline of its own (see events.ts); the reader skips it.
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as { writer: string; i: number });
    expect(parsed).toHaveLength(3 * lines);
    for (const writer of ['a', 'b', 'c']) {
      expect(parsed.filter((e) => e.writer === writer).map((e) => e.i)).toEqual([...Array(lines).keys()]);
    }
  });
});
