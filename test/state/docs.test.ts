/** docs/state.md is hand-written; keep its outcome table and its commands in step with the code. */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { COUNTED_OUTCOMES, SESSION_OUTCOMES } from '../../src/state/schema.js';

describe('docs/state.md', () => {
  it('explains every session outcome and which ones count against --max-retries', async () => {
    const text = await readFile(new URL('../../docs/state.md', import.meta.url), 'utf8');
    for (const outcome of SESSION_OUTCOMES) expect(text, outcome).toContain(`| \`${outcome}\` |`);
    const counted = COUNTED_OUTCOMES.map((o) => `\`${o}\``);
    expect(text).toContain(`Only ${counted.slice(0, -1).join(', ')} and ${counted.at(-1)} count against`);
  });
});
