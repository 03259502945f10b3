#!/usr/bin/env node
/**
 * Writes schema/claude-harness.schema.json from the zod schema of claude-harness.json.
 * Run after `npm run build`: node scripts/gen-schema.mjs
 * test/config/schema.test.ts fails when the committed file differs from what the schema generates.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);
const compiled = new URL('dist/config/schema.js', root);
if (!existsSync(compiled)) {
  console.error('gen-schema: dist/config/schema.js is missing; run `npm run build` first');
  process.exit(1);
}

const { projectConfigJsonSchema } = await import(compiled.href);
const target = fileURLToPath(new URL('schema/claude-harness.schema.json', root));
await writeFile(target, `${JSON.stringify(projectConfigJsonSchema(), null, 2)}\n`);

// Keep the file in Biome's layout so `biome check` stays clean; the test compares content, not layout.
const biome = fileURLToPath(new URL('node_modules/.bin/biome', root));
if (existsSync(biome)) execFileSync(biome, ['format', '--write', target], { stdio: 'ignore' });
console.log(`gen-schema: wrote ${target}`);
