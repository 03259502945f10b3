import { PassThrough, Writable } from 'node:stream';
import xterm from '@xterm/headless';
import { describe, expect, it } from 'vitest';
import type { CommandIO } from '../../src/cli/io.js';
import { createProgressView, wantsLiveView } from '../../src/report/live-view.js';

/** A terminal emulator behind a stream that says it is a TTY: what a person would see on the screen. */
function terminal(cols = 80, rows = 12) {
  // convertEol: the kernel's tty driver turns each \n into \r\n on the way to a real terminal.
  const term = new xterm.Terminal({ cols, rows, allowProposedApi: true, convertEol: true });
  let raw = '';
  const stream = Object.assign(
    new Writable({
      decodeStrings: false,
      write(chunk: string | Buffer, _encoding, callback) {
        const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
        raw += text;
        term.write(text, () => callback());
      },
    }),
    { isTTY: true, columns: cols },
  );
  return {
    stream,
    raw: () => raw,
    /** Every line of the scrollback and the screen, trailing blanks removed. */
    async lines(): Promise<string[]> {
      // Chunks still queued in the stream (each waits for the emulator to parse the one before) come first.
      await new Promise<void>((resolve) => stream.write('', () => resolve()));
      await new Promise<void>((resolve) => term.write('', resolve));
      const buffer = term.buffer.active;
      const lines: string[] = [];
      for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i)?.translateToString(true) ?? '');
      while (lines.length > 0 && lines.at(-1) === '') lines.pop();
      return lines;
    },
  };
}

function io(out: NodeJS.WritableStream, err: NodeJS.WritableStream = out): CommandIO {
  return { out, err, env: {}, signal: new AbortController().signal, cwd: '/' };
}

const RUN = { passing: 3, total: 8, skipped: 1, tokens: 12_000, costUsd: 0.42 };

describe('the live view', () => {
  it('keeps the status block under the log as lines scroll past, and leaves it nowhere else', async () => {
    const screen = terminal(80, 8);
    let now = 1_000_000;
    const view = createProgressView({ io: io(screen.stream), live: true, now: () => now });
    view.setRun(RUN);
    view.sessionStarted({ number: 5, label: 'coding F004, attempt 2' });
    for (let i = 1; i <= 20; i++) view.io.out.write(`  → Bash step ${i}\n`);
    now += 72_000;
    view.observe({
      type: 'turn',
      messageId: 'm1',
      usage: { inputTokens: 900, outputTokens: 100, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 },
    });

    const lines = await screen.lines();
    // Every log line, in order, exactly once; the status block is the last two lines and appears once.
    expect(lines.filter((l) => l.includes('Bash step'))).toEqual(
      Array.from({ length: 20 }, (_, i) => `  → Bash step ${i + 1}`),
    );
    expect(lines.slice(-2)).toEqual([
      '[████████▒▒▒░░░░░░░░░] 37% · 3/8 passing · 1 skipped · 13,000 tokens · $0.4200',
      '▶ session 5 · coding F004, attempt 2 · 1 min 12 s · 1 turn',
    ]);
    expect(lines.filter((l) => l.includes('passing')).length).toBe(1);
    view.close();
  });

  it('counts each model response once, however many messages the SDK splits it into', async () => {
    const screen = terminal();
    const view = createProgressView({ io: io(screen.stream), live: true, now: () => 0 });
    view.setRun({ ...RUN, tokens: 0 });
    view.sessionStarted({ number: 1, label: 'initializer' });
    const usage = {
      inputTokens: 1000,
      outputTokens: 50,
      cacheReadInputTokens: 0,
      cacheCreationInputTokens: 0,
    };
    for (const messageId of ['a', 'a', 'b', 'b', 'c']) view.observe({ type: 'turn', messageId, usage });
    view.observe({ type: 'assistant_text', text: 'hello' });
    const lines = await screen.lines();
    expect(lines.at(-2)).toContain('3,150 tokens');
    expect(lines.at(-1)).toBe('▶ session 1 · initializer · 0 s · 3 turns');
    // After the session, its tokens belong to the run's own figures again.
    view.sessionEnded();
    view.setRun({ ...RUN, tokens: 3_150, costUsd: 0.05 });
    view.setWaiting('next session in 3 s');
    const after = await screen.lines();
    expect(after.at(-2)).toContain('3,150 tokens · $0.0500');
    expect(after.at(-1)).toBe('… next session in 3 s');
    view.close();
  });

  it('cuts status lines to the terminal width so that none wraps', async () => {
    const screen = terminal(40, 10);
    const view = createProgressView({ io: io(screen.stream), live: true, now: () => 0 });
    view.setRun(RUN);
    view.sessionStarted({ number: 12, label: 'coding F123, attempt 3 — a very long description' });
    const lines = await screen.lines();
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(39);
    expect(lines[1]?.endsWith('…')).toBe(true);
    view.close();
  });

  it("cleans the agent's text it scrolls and the labels it draws, before cutting them to width", async () => {
    const screen = terminal(40, 10);
    const view = createProgressView({
      io: io(screen.stream),
      live: true,
      now: () => 0,
      redact: (text) => text.replaceAll('s3cr3t', '[REDACTED]'),
    });
    view.setRun(RUN);
    view.sessionStarted({ number: 2, label: `coding F\u001b]0;pwned\u0007001, attempt 1 ${'x'.repeat(40)}` });
    view.io.out.write('    │ \u001b]52;c;cHduZWQ=\u0007s3cr3t \u001b[2J\u009b2Jend\n');
    const lines = await screen.lines();
    expect(lines[0]).toBe('    │ [REDACTED] end');
    expect(lines.at(-1)).toMatch(/^▶ session 2 · coding F001, attempt 1 x+…$/);
    // Only the view's own codes reach the terminal: cursor up, erase below (no OSC, no clear screen, no C1).
    // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
    expect(screen.raw()).not.toMatch(/\u001b[\]P_^X]|\u001b\[2J|[\u0080-\u009f]/);
    view.close();
  });

  it('holds an unfinished line until its newline, and writes stderr lines above the block too', async () => {
    const screen = terminal();
    const view = createProgressView({ io: io(screen.stream), live: true, now: () => 0 });
    view.setRun(RUN);
    view.io.out.write('checkpoint ');
    view.io.out.write('commit abc1234\n');
    view.io.err.write('a warning\n');
    const lines = await screen.lines();
    expect(lines).toEqual([
      'checkpoint commit abc1234',
      'a warning',
      '[████████▒▒▒░░░░░░░░░] 37% · 3/8 passing · 1 skipped · 12,000 tokens · $0.4200',
    ]);
    view.close();
  });

  it('removes the block on close; later output is plain', async () => {
    const screen = terminal();
    const view = createProgressView({ io: io(screen.stream), live: true, now: () => 0 });
    view.setRun(RUN);
    view.sessionStarted({ number: 1, label: 'initializer' });
    view.io.out.write('unfinished');
    view.close();
    view.io.out.write('Sessions: 1\n');
    expect(await screen.lines()).toEqual(['unfinished', 'Sessions: 1']);
  });

  it('ends the line under the block when the process exits with it still drawn (a second Ctrl+C)', async () => {
    const screen = terminal();
    const exitListeners = new Set<() => void>();
    const onExit = (listener: () => void) => {
      exitListeners.add(listener);
      return () => exitListeners.delete(listener);
    };
    const view = createProgressView({ io: io(screen.stream), live: true, now: () => 0, onExit });
    view.setRun(RUN);
    expect(exitListeners.size).toBe(1);
    for (const listener of exitListeners) listener();
    await screen.lines();
    expect(screen.raw().endsWith('$0.4200\n')).toBe(true);
    // Closed normally, it leaves nothing to do at exit.
    view.close();
    expect(exitListeners.size).toBe(0);
  });

  it('redraws the elapsed time while a session runs', async () => {
    const screen = terminal();
    let now = 0;
    const view = createProgressView({ io: io(screen.stream), live: true, now: () => now, tickMs: 5 });
    view.setRun(RUN);
    view.sessionStarted({ number: 2, label: 'coding F001, attempt 1' });
    now = 65_000;
    await expect
      .poll(async () => (await screen.lines()).at(-1))
      .toBe('▶ session 2 · coding F001, attempt 1 · 1 min 5 s · 0 turns');
    view.close();
  });
});

describe('the plain view (not a terminal, CI, --plain)', () => {
  it("passes every line through with no escape codes of its own, the agent's cleaned", () => {
    const out = new PassThrough();
    let written = '';
    out.on('data', (chunk: Buffer) => {
      written += chunk.toString('utf8');
    });
    const view = createProgressView({ io: io(out), live: false });
    view.setRun(RUN);
    view.sessionStarted({ number: 1, label: 'initializer' });
    view.io.out.write('── session 1 (initializer)\n');
    view.io.out.write('    │ \u001b]52;c;cHduZWQ=\u0007copied \u009b2Jcleared\n');
    view.sessionEnded();
    view.close();
    expect(written).toBe('── session 1 (initializer)\n    │ copied cleared\n');
  });

  it('is chosen for a pipe, for CI, for a dumb terminal and for --plain', () => {
    const tty = Object.assign(new PassThrough(), { isTTY: true });
    const pipe = new PassThrough();
    expect(wantsLiveView(tty, {}, false)).toBe(true);
    expect(wantsLiveView(tty, { CI: 'false' }, false)).toBe(true);
    expect(wantsLiveView(pipe, {}, false)).toBe(false);
    expect(wantsLiveView(tty, { CI: 'true' }, false)).toBe(false);
    expect(wantsLiveView(tty, { CI: '1' }, false)).toBe(false);
    expect(wantsLiveView(tty, { TERM: 'dumb' }, false)).toBe(false);
    expect(wantsLiveView(tty, {}, true)).toBe(false);
  });
});
