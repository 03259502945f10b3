import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createRedactor } from '../../src/report/redact.js';
import { SessionLog } from '../../src/report/session-log.js';
import { GITHUB_TOKEN } from '../guards/secrets/fixtures.js';

function makeLog() {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  let now = 1_000;
  const log = new SessionLog({
    out,
    projectDir: '/work/app',
    label: 'session 1 (initializer)',
    now: () => now,
  });
  return { log, read: () => text, advance: (ms: number) => (now += ms) };
}

describe('SessionLog', () => {
  it('prints one line per tool call with paths relative to the project', () => {
    const { log, read } = makeLog();
    log.write({
      type: 'tool_call',
      id: '1',
      name: 'Write',
      input: { file_path: '/work/app/src/a.ts', content: '' },
    });
    log.write({ type: 'tool_call', id: '2', name: 'Bash', input: { command: 'npm test\nnpm run build' } });
    log.write({ type: 'tool_call', id: '3', name: 'Read', input: { file_path: '/etc/passwd' } });
    expect(read()).toBe('  → Write src/a.ts\n  → Bash npm test …\n  → Read /etc/passwd\n');
  });

  it('shows failed tool results and hides successful ones', () => {
    const { log, read } = makeLog();
    log.write({ type: 'tool_result', id: '1', isError: false, content: 'fine' });
    log.write({
      type: 'tool_result',
      id: '2',
      isError: true,
      content: '<tool_use_error>Blocked: no</tool_use_error>',
    });
    expect(read()).toBe('    ✗ Blocked: no\n');
  });

  it('shows the first lines of a command’s output', () => {
    const { log, read } = makeLog();
    log.write({ type: 'tool_call', id: 'b', name: 'Bash', input: { command: 'seq 6' } });
    log.write({ type: 'tool_result', id: 'b', isError: false, content: '1\n2\n\n3\n4\n5\n6\n' });
    log.write({ type: 'tool_call', id: 'r', name: 'Read', input: { file_path: '/work/app/a' } });
    log.write({ type: 'tool_result', id: 'r', isError: false, content: 'file text' });
    expect(read()).toBe(
      '  → Bash seq 6\n    │ 1\n    │ 2\n    │ 3\n    │ 4\n    │ … 2 more lines\n  → Read a\n',
    );
  });

  it('summarises the result with turns, tokens, cost and time', () => {
    const { log, read, advance } = makeLog();
    advance(2_500);
    log.write({
      type: 'result',
      ok: true,
      subtype: 'success',
      text: 'done',
      errors: [],
      terminalReason: 'completed',
      usage: { inputTokens: 12_345, outputTokens: 67, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 },
      costUsd: 0.0123,
      numTurns: 4,
      durationMs: 2_500,
      sessionId: 's',
    });
    expect(read()).toBe(
      '✓ session 1 (initializer) finished: 4 turns · 12,345 in / 67 out tokens · $0.0123 · 2.5 s\n',
    );
  });
});

describe('SessionLog verbosity', () => {
  it('--quiet shows failures and the summary but not the agent’s calls', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    const log = new SessionLog({ out, projectDir: '/p', label: 's', verbosity: 'quiet' });
    log.write({ type: 'assistant_text', text: 'thinking' });
    log.write({ type: 'tool_call', id: '1', name: 'Bash', input: { command: 'ls' } });
    log.write({ type: 'tool_result', id: '1', isError: false, content: 'a' });
    log.write({ type: 'tool_result', id: '2', isError: true, content: 'boom' });
    expect(text).toBe('    ✗ boom\n');
  });

  it('--verbose shows the output of every tool', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    const log = new SessionLog({ out, projectDir: '/p', label: 's', verbosity: 'verbose' });
    log.write({ type: 'tool_call', id: '1', name: 'Read', input: { file_path: '/p/a' } });
    log.write({ type: 'tool_result', id: '1', isError: false, content: 'line one' });
    expect(text).toBe('  → Read a\n    │ line one\n');
  });

  it("redacts and cleans the agent's text before cutting it to width", () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    const log = new SessionLog({
      out,
      projectDir: '/work/app',
      label: 'session 2 (coding F001, attempt 1)',
      redact: createRedactor({ env: {} }),
    });
    // The token starts at column 80: a cut at 100 before redaction would print its first 20 characters.
    const padding = 'x'.repeat(80);
    log.write({
      type: 'tool_call',
      id: '1',
      name: 'Bash',
      input: { command: `echo ${padding} ${GITHUB_TOKEN}` },
    });
    log.write({
      type: 'tool_result',
      id: '1',
      isError: false,
      content: `${padding} ${GITHUB_TOKEN}\n\u001b]52;c;cHduZWQ=\u0007copied \u001b[2J\u009b2Jcleared\n`,
    });
    log.write({ type: 'assistant_text', text: '\u001b]0;title\u0007Done.' });
    log.note(`    ⛔ secrets: ${GITHUB_TOKEN}`);
    expect(text).not.toContain(GITHUB_TOKEN.slice(0, 12));
    expect([...text].some((c) => c === '\u001b' || (c >= '\u0080' && c <= '\u009f'))).toBe(false);
    expect(text).toContain('    │ copied cleared\n');
    expect(text).toContain('  Done.\n');
    expect(text).toContain('    ⛔ secrets: [REDACTED:github-token]\n');
  });
});
