import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describe, expect, it } from 'vitest';
import { confinementFor } from '../../src/guards/confinement.js';
import { findChromium, playwrightMcpServer, proofDir } from '../../src/verify/browser.js';
import { bubblewrapPath, confineToProject } from '../../src/verify/confine.js';
import { testEnvironment } from '../../src/verify/run-tests.js';
import { checkTestCommand } from '../../src/verify/test-command.js';
import { verifyTestCommand } from '../../src/verify/verify.js';
import { freePort, SPEC_PATH, webProjectFiles } from '../helpers/web-project.js';
import { REPO_NODE_MODULES, tempProject } from './project.js';

// CI installs Debian's chromium (apt-get install chromium); these tests need it.
const chromium = findChromium();

describe('findChromium', () => {
  it('takes CHROMIUM_PATH when it is executable, and nothing when it is not', () => {
    expect(findChromium({ CHROMIUM_PATH: process.execPath })).toBe(process.execPath);
    expect(findChromium({ CHROMIUM_PATH: '/nonexistent/chromium' })).toBeUndefined();
    expect(findChromium({})).toBe(chromium);
  });

  it('is handed to every test run, with browser downloads off', () => {
    const env = testEnvironment({ PATH: '/bin', CHROMIUM_PATH: process.execPath });
    expect(env).toMatchObject({ PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1', CHROMIUM_PATH: process.execPath });
  });
});

describe('playwrightMcpServer', () => {
  it('runs the pinned @playwright/mcp from our node_modules, headless, on the given Chromium', () => {
    const config = playwrightMcpServer({ projectDir: '/p', chromiumPath: '/usr/bin/chromium' });
    expect(config.command).toBe(process.execPath);
    expect(config.args?.[0]).toMatch(/node_modules\/@playwright\/mcp\/cli\.js$/);
    expect(existsSync(config.args?.[0] as string)).toBe(true);
    expect(config.args).toEqual(
      expect.arrayContaining(['--headless', '--isolated', '--no-sandbox', '/usr/bin/chromium']),
    );
    expect(config.args?.slice(-2)).toEqual(['--output-dir', '/p/.claude-harness/proof/playwright']);
  });

  it('serves browser tools that drive the system Chromium', async () => {
    expect(chromium, 'install chromium (apt-get install chromium)').toBeDefined();
    await using project = await tempProject({ 'index.html': '<title>Served page</title><h1>Hi</h1>' });
    const config = playwrightMcpServer({ projectDir: project.path, chromiumPath: chromium as string });
    const client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: config.command,
        args: config.args ?? [],
        cwd: project.path,
        stderr: 'ignore',
      }),
    );
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(
        expect.arrayContaining(['browser_navigate', 'browser_take_screenshot']),
      );
      const page = await client.callTool({
        name: 'browser_navigate',
        arguments: { url: 'data:text/html,<title>Served page</title><h1>Hi</h1>' },
      });
      expect(JSON.stringify(page.content)).toContain('Served page');
      // Without a file name, screenshots (and page snapshots) land in the proof folder.
      await client.callTool({ name: 'browser_take_screenshot', arguments: {} });
      const files = readdirSync(proofDir(project.path, 'playwright'), { recursive: true }).map(String);
      expect(files.some((f) => f.endsWith('.png'))).toBe(true);
    } finally {
      await client.close();
    }
  }, 60_000);
});

describe('playwright test commands', () => {
  it('are accepted, run by the harness in the system Chromium, and leave their screenshots in the proof folder', async () => {
    expect(chromium, 'install chromium (apt-get install chromium)').toBeDefined();
    const port = await freePort();
    await using project = await tempProject(webProjectFiles(port), { linkNodeModules: true });
    const command = `npx playwright test ${SPEC_PATH}`;
    const checked = checkTestCommand(command, project.path);
    expect(checked).toMatchObject({ ok: true, runner: 'playwright', files: [SPEC_PATH] });

    const artifacts = proofDir(project.path, 'F001');
    const result = await verifyTestCommand({
      command,
      projectDir: project.path,
      timeoutMs: 60_000,
      artifactsDir: artifacts,
    });
    expect(result.ok, result.ok ? '' : `${result.reason}\n${result.run?.outputTail}`).toBe(true);
    expect(result.run?.counts).toMatchObject({ passed: 1, failed: 0, skipped: 0 });
    const shots = readdirSync(artifacts, { recursive: true }).map(String);
    expect(shots.some((f) => f.endsWith('.png'))).toBe(true);
    expect(existsSync(join(project.path, 'test-results'))).toBe(false);
  }, 60_000);

  it('also pass inside the bubblewrap confinement the harness uses for test runs', async () => {
    const bwrap = bubblewrapPath();
    expect(bwrap, 'install bubblewrap: bash scripts/system-deps.sh').toBeDefined();
    const port = await freePort();
    await using project = await tempProject(webProjectFiles(port), { linkNodeModules: true });
    const result = await verifyTestCommand({
      command: `npx playwright test ${SPEC_PATH}`,
      projectDir: project.path,
      timeoutMs: 60_000,
      artifactsDir: proofDir(project.path, 'F001'),
      wrapArgv: confineToProject(
        // The project's node_modules is a link to the repository's: readable, as a user's own would be.
        confinementFor({
          projectDir: project.path,
          env: process.env,
          config: { allowRead: [REPO_NODE_MODULES] },
        }),
        bwrap as string,
      ),
    });
    expect(result.ok, result.ok ? '' : `${result.reason}\n${result.run?.outputTail}`).toBe(true);
    expect(result.run?.counts).toMatchObject({ passed: 1, failed: 0 });
  }, 60_000);
});
