import { readFileSync } from 'node:fs';

/**
 * The version in package.json. Read at start-up rather than imported, because the build's rootDir is `src`;
 * both `src/cli` and `dist/cli` sit two levels below the package root.
 */
export function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  const version: unknown = (JSON.parse(text) as { version?: unknown }).version;
  return typeof version === 'string' ? version : '0.0.0';
}
