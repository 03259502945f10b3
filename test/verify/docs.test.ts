/** docs/verification.md is hand-written; keep its names and numbers in step with the code. */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { HARNESS_ALLOWED_TOOLS } from '../../src/verify/mcp-server.js';
import { MAX_PROOF_HISTORY, PROOFS_FILE } from '../../src/verify/proof.js';
import { TEST_RUNNERS } from '../../src/verify/test-command.js';

describe('docs/verification.md', () => {
  it('names the tools, the runners and the proof file as the code does', async () => {
    const text = await readFile(new URL('../../docs/verification.md', import.meta.url), 'utf8');
    for (const name of HARNESS_ALLOWED_TOOLS) expect(text).toContain(`\`${name}\``);
    for (const runner of TEST_RUNNERS)
      expect(text).toContain(runner === 'node' ? 'node --test' : `npx ${runner}`);
    expect(text).toContain(`.claude-harness/${PROOFS_FILE}`);
    expect(text).toContain(`at most ${MAX_PROOF_HISTORY}`);
  });
});
