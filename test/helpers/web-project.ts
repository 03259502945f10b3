/**
 * A tiny real web project for browser tests: a page with a button, a static server, a playwright.config
 * that launches the system Chromium (CHROMIUM_PATH, set by the harness for every test run) headless and
 * without sandbox, and one spec with real assertions. `@playwright/test` comes from this repository's
 * node_modules, linked into the project (no network).
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_NODE_MODULES = fileURLToPath(new URL('../../node_modules', import.meta.url));

export const SPEC_PATH = 'e2e/page.spec.js';

export function webProjectFiles(port: number): Record<string, string> {
  return {
    'package.json': JSON.stringify({ name: 'greeter', private: true }),
    '.gitignore': 'node_modules',
    'index.html': [
      '<!doctype html>',
      '<html><head><title>Greeter</title></head>',
      '<body>',
      '<h1>Greeter</h1>',
      '<button id="greet">Greet</button>',
      '<p id="out"></p>',
      '<script>',
      "document.getElementById('greet').addEventListener('click', () => {",
      "  document.getElementById('out').textContent = 'Hello, harness!';",
      '});',
      '</script>',
      '</body></html>',
    ].join('\n'),
    'server.js': [
      "const { createServer } = require('node:http');",
      "const { readFileSync } = require('node:fs');",
      "const { join } = require('node:path');",
      'const port = Number(process.argv[2]);',
      'createServer((_req, res) => {',
      "  res.setHeader('content-type', 'text/html');",
      "  res.end(readFileSync(join(__dirname, 'index.html')));",
      "}).listen(port, '127.0.0.1');",
    ].join('\n'),
    'playwright.config.js': [
      "const { defineConfig } = require('@playwright/test');",
      'module.exports = defineConfig({',
      "  testDir: 'e2e',",
      '  workers: 1,',
      '  use: {',
      `    baseURL: 'http://127.0.0.1:${port}',`,
      "    screenshot: 'on',",
      '    launchOptions: {',
      '      executablePath: process.env.CHROMIUM_PATH,',
      "      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'],",
      '    },',
      '  },',
      `  webServer: { command: 'node server.js ${port}', url: 'http://127.0.0.1:${port}', reuseExistingServer: false },`,
      '});',
    ].join('\n'),
    [SPEC_PATH]: [
      "const { test, expect } = require('@playwright/test');",
      '',
      "test('the page greets the user', async ({ page }) => {",
      "  await page.goto('/');",
      "  await expect(page.locator('h1')).toHaveText('Greeter');",
      "  await page.click('#greet');",
      "  await expect(page.locator('#out')).toHaveText('Hello, harness!');",
      '});',
    ].join('\n'),
  };
}

/** Links this repository's node_modules into `dir` (so `node_modules/.bin/playwright` exists there). */
export async function linkNodeModules(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await symlink(REPO_NODE_MODULES, join(dir, 'node_modules'), 'dir');
}

export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), `${content}\n`);
  }
}

/** A port that is free now (the OS picks it). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
