/**
 * Browser end-to-end support. The agent gets the Playwright MCP server for interactive checks (the version
 * pinned in our package.json, run from our node_modules, driving the system Chromium headless); recorded
 * tests are the project's own `npx playwright test …`, run by the harness with the environment below.
 * Playwright never downloads a browser here: neither @playwright/test nor playwright-core has an install
 * script, the harness sets PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 anyway, and the project's playwright.config
 * launches the system Chromium (`launchOptions.executablePath: process.env.CHROMIUM_PATH`).
 */
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { McpStdioServerConfig } from '@anthropic-ai/claude-agent-sdk';

export const PLAYWRIGHT_SERVER_NAME = 'playwright';

/** Where Chromium is looked for when CHROMIUM_PATH is not set (the Debian / Ubuntu package paths). */
export const CHROMIUM_CANDIDATES: readonly string[] = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** Chromium flags for a headless browser as root on a machine with a closed network. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Proof artifacts (screenshots, traces) under the project: `.claude-harness/proof/…`. */
export function proofDir(projectDir: string, ...parts: string[]): string {
  return join(projectDir, '.claude-harness', 'proof', ...parts);
}

/** The system Chromium: `CHROMIUM_PATH` when it is set (and executable), else the first package path found. */
export function findChromium(env: Record<string, string | undefined> = process.env): string | undefined {
  const configured = env.CHROMIUM_PATH;
  if (configured !== undefined && configured !== '') return isExecutable(configured) ? configured : undefined;
  return CHROMIUM_CANDIDATES.find(isExecutable);
}

/** The cli.js of the @playwright/mcp this package depends on (its package exports do not include it). */
export function playwrightMcpCli(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('@playwright/mcp/package.json');
  return join(dirname(manifest), 'cli.js');
}

export interface PlaywrightMcpOptions {
  projectDir: string;
  chromiumPath: string;
}

/**
 * The Playwright MCP server for a session: stdio, this Node running the pinned cli.js, a fresh profile per
 * session (`--isolated`), headless, no sandbox (the harness often runs as root), screenshots and snapshots
 * in `.claude-harness/proof/playwright/`. The model sees its tools as `mcp__playwright__browser_…`.
 */
export function playwrightMcpServer(options: PlaywrightMcpOptions): McpStdioServerConfig {
  return {
    type: 'stdio',
    command: process.execPath,
    args: [
      playwrightMcpCli(),
      '--headless',
      '--isolated',
      '--no-sandbox',
      '--executable-path',
      options.chromiumPath,
      '--output-dir',
      proofDir(options.projectDir, 'playwright'),
    ],
  };
}

/** Added to the environment of every harness-run test: Playwright uses the system Chromium, never downloads. */
export function browserTestEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = { PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' };
  const chromium = findChromium(env);
  if (chromium !== undefined) out.CHROMIUM_PATH = chromium;
  return out;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The MCP servers a coding session gets for browser checks: `playwright` when a system Chromium is found,
 * none otherwise (the agent then has no browser tools; recorded tests still need Chromium to run).
 */
export function browserMcpServers(
  projectDir: string,
  env: Record<string, string | undefined> = process.env,
): Record<string, McpStdioServerConfig> {
  const chromiumPath = findChromium(env);
  if (chromiumPath === undefined) return {};
  return { [PLAYWRIGHT_SERVER_NAME]: playwrightMcpServer({ projectDir, chromiumPath }) };
}
