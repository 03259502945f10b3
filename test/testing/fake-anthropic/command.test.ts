import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError, UsageError } from '../../../src/errors/index.js';
import { runFakeModelCommand } from '../../../src/testing/fake-anthropic/index.js';

const SCENARIO = `
name: cmd
sessions:
  - name: only
    turns:
      - content: [{ type: text, text: "hello from the scenario" }]
`;
const TOOLS: Anthropic.Tool[] = [{ name: 'Bash', input_schema: { type: 'object', properties: {} } }];

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  return { stream, text: () => text };
}

let dir: string;
let scenarioPath: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fake-model-command-'));
  scenarioPath = join(dir, 'scenario.yaml');
  await writeFile(scenarioPath, SCENARIO);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function startCommand(port?: number) {
  const out = capture();
  const err = capture();
  const controller = new AbortController();
  const done = runFakeModelCommand({
    scenarioPath,
    ...(port !== undefined && { port }),
    out: out.stream,
    err: err.stream,
    signal: controller.signal,
  });
  await vi.waitFor(() => expect(out.text()).toContain('\n'), { interval: 5 });
  const url = out.text().split('\n')[0] ?? '';
  const api = new Anthropic({ baseURL: url, apiKey: 'x', maxRetries: 0, logLevel: 'off' });
  return { out, err, controller, done, url, api };
}

const ask = (api: Anthropic) =>
  api.messages.create({
    model: 'm',
    max_tokens: 10,
    tools: TOOLS,
    messages: [{ role: 'user', content: 'hi' }],
  });

describe('runFakeModelCommand', () => {
  it('prints the URL first, serves the scenario and exits 0 without failures', async () => {
    const { out, err, controller, done, url, api } = await startCommand();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const second = out.text().split('\n')[1] ?? '';
    expect(second).toContain(`ANTHROPIC_BASE_URL=${url}`);
    expect(second).toContain('ANTHROPIC_API_KEY=any');
    expect(second).toContain('CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1');
    const message = await ask(api);
    expect(message.content[0]).toMatchObject({ text: 'hello from the scenario' });
    controller.abort();
    expect(await done).toBe(0);
    expect(out.text()).toMatch(
      /#1 POST \/v1\/messages agent \(json\) session 1 "only" \(of 1\) turn 1\/1 → text/,
    );
    expect(out.text()).toMatch(
      /stopped after 1 request\(s\) .* turns played 1\/1, 0 remaining; 0 failure\(s\)/,
    );
    expect(err.text()).toBe('');
  });

  it('exits 1 when the run had failures and lists them', async () => {
    const { out, err, controller, done, api } = await startCommand();
    await ask(api);
    await ask(api); // a second conversation: beyond the scenario
    controller.abort();
    expect(await done).toBe(1);
    expect(err.text()).toMatch(/FAILURE: request #2 starts or continues a conversation beyond the scenario/);
    expect(out.text()).toMatch(/1 failure\(s\)\.\n {2}failure: request #2/);
  });

  it('throws ConfigError for a bad scenario and UsageError for a bad or busy port', async () => {
    const base = { out: new PassThrough(), err: new PassThrough(), signal: new AbortController().signal };
    await expect(
      runFakeModelCommand({ ...base, scenarioPath: join(dir, 'missing.yaml') }),
    ).rejects.toBeInstanceOf(ConfigError);
    await expect(runFakeModelCommand({ ...base, scenarioPath, port: 70000 })).rejects.toBeInstanceOf(
      UsageError,
    );
    await expect(runFakeModelCommand({ ...base, scenarioPath, port: 1.5 })).rejects.toThrow(
      /--port must be a whole number/,
    );

    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      await expect(runFakeModelCommand({ ...base, scenarioPath, port })).rejects.toThrow(
        new RegExp(`Cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use`),
      );
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('listens on the requested port', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const address = probe.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const { controller, done, url } = await startCommand(port);
    expect(url).toBe(`http://127.0.0.1:${port}`);
    controller.abort();
    expect(await done).toBe(0);
  });
});
