/**
 * Browser end to end: a scripted agent (fake model) builds a tiny web page, a Playwright config for the
 * system Chromium and a real spec, then asks the harness to verify it. The harness runs
 * `npx playwright test …` itself (Chromium headless, a static server from `webServer`), flips the feature
 * and records a proof with the counts it read. The session also gets the Playwright MCP server.
 */
import { existsSync, readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFakeAnthropic } from '../../src/testing/fake-anthropic/index.js';
import { findChromium } from '../../src/verify/browser.js';
import { startHarness } from '../helpers/cli-process.js';
import { tempDir } from '../helpers/engine-env.js';
import { initializerSession, sessions, text, tool, writeScript } from '../helpers/scenarios.js';
import { freePort, linkNodeModules, SPEC_PATH, webProjectFiles } from '../helpers/web-project.js';

const PAGE = '<title>Checked by hand</title><h1>Greeter</h1>';
const FEATURES = [{ description: 'the page greets the user', steps: ['Open the page', 'Click Greet'] }];

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('browser end to end', () => {
  it('verifies a real web page with a real Playwright test in Chromium, run by the harness', async () => {
    expect(findChromium(), 'install chromium (apt-get install chromium)').toBeDefined();
    await using work = await tempDir('ch-browser-');
    await using config = await tempDir('ch-cfg-');
    const dir = join(work.path, 'app');
    const spec = join(work.path, 'spec.md');
    await writeFile(spec, 'A page that greets the user.\n');
    // @playwright/test without network: this repository's node_modules, linked in (ignored by git).
    await linkNodeModules(dir);
    const port = await freePort();

    const server = await startFakeAnthropic({
      variables: { projectDir: dir },
      scenario: sessions(initializerSession(FEATURES), [
        ...Object.entries(webProjectFiles(port)).map(([name, content]) => writeScript(name, content)),
        // Coding sessions get the Playwright MCP server (its tools are deferred: loaded through ToolSearch).
        { content: [tool('ToolSearch', { query: 'select:mcp__playwright__browser_navigate' })] },
        {
          expect: { toolsInclude: ['mcp__playwright__browser_navigate'] },
          content: [tool('mcp__playwright__browser_navigate', { url: `data:text/html,${PAGE}` })],
        },
        {
          expect: { lastToolResultIsError: false, lastToolResultContains: 'Checked by hand' },
          content: [
            tool('mcp__harness__feature_pass', {
              id: 'F001',
              test_command: `npx playwright test ${SPEC_PATH}`,
            }),
          ],
        },
        { expect: { lastToolResultIsError: false }, content: [text('Done.')] },
      ]),
    });
    try {
      const run = startHarness({ projectDir: dir, spec, serverUrl: server.url, configDir: config.path });
      const { code, stdout, stderr } = await run.done;
      server.assertComplete();
      expect(stderr).toBe('');
      expect(code, stdout).toBe(0);
      expect(stdout).toContain('✓ All 1 features pass.');

      const proofs = JSON.parse(await readFile(join(dir, '.claude-harness', 'proofs.json'), 'utf8'));
      expect(proofs.latest.F001).toMatchObject({
        featureId: 'F001',
        command: `npx playwright test ${SPEC_PATH}`,
        runner: 'playwright',
        exitCode: 0,
        counts: { passed: 1, failed: 0, skipped: 0, total: 1 },
        files: [SPEC_PATH],
      });
      expect(proofs.latest.F001.outputTail).toMatch(/1 passed/);
      const owned = JSON.parse(await readFile(join(dir, 'feature_list.json'), 'utf8'));
      expect(owned[0]).toMatchObject({ id: 'F001', passes: true });
      // The screenshot of the run is kept with the proof; the static server is gone.
      const artifacts = readdirSync(join(dir, '.claude-harness', 'proof', 'F001'), { recursive: true });
      expect(artifacts.map(String).some((f) => f.endsWith('.png'))).toBe(true);
      expect(existsSync(join(dir, 'test-results'))).toBe(false);
      expect(await portOpen(port)).toBe(false);
    } finally {
      await server.close();
    }
  }, 60_000);
});
