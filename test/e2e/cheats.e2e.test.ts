/**
 * A scripted agent tries every way to claim its feature passes without proof; each is refused and told to
 * the agent, and only an honest test run passes the feature — through the whole built CLI.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFakeAnthropic } from '../../src/testing/fake-anthropic/index.js';
import { startHarness } from '../helpers/cli-process.js';
import { tempDir } from '../helpers/engine-env.js';
import {
  bash,
  finalText,
  initializerSession,
  passingTest,
  sessions,
  tool,
  writeScript,
} from '../helpers/scenarios.js';

const head = "import assert from 'node:assert/strict';\nimport { test } from 'node:test';\n";

describe('cheating at verification', () => {
  it('refuses every fake proof and accepts only a real passing test', async () => {
    await using work = await tempDir('ch-cheat-');
    await using config = await tempDir('ch-cfg-');
    const projectDir = join(work.path, 'app');
    await writeFile(join(work.path, 'spec.md'), 'Hello.\n');
    const pass = (command: string) =>
      tool('mcp__harness__feature_pass', { id: 'F001', test_command: command });
    const refused = (block: ReturnType<typeof tool>) => ({
      expect: { lastToolResultIsError: true },
      content: [block],
    });
    const server = await startFakeAnthropic({
      variables: { projectDir },
      scenario: sessions(initializerSession([{ description: 'say hello' }]), [
        writeScript(
          'tests/skipped.test.js',
          `${head}test.skip('F001 works', () => { assert.equal(1, 1); });`,
        ),
        writeScript('tests/noassert.test.js', `${head}test('F001 works', () => { const x = [1].length; });`),
        writeScript(
          'tests/failing.test.js',
          `${head}test('F001 works', () => { assert.equal([1].length, 2); });`,
        ),
        writeScript('tests/F001.test.js', passingTest('F001')),
        // Flipping the flag directly.
        {
          content: [
            tool('Edit', {
              file_path: '{{projectDir}}/feature_list.json',
              old_string: 'false',
              new_string: 'true',
            }),
          ],
        },
        refused(bash('echo \'[{"passes": true}]\' > feature_list.json')),
        // Fake proofs.
        refused(pass('true')),
        refused(pass('npm test || true')),
        refused(pass('node --test tests/F001.test.js; exit 0')),
        refused(pass('node --test tests/skipped.test.js')),
        refused(pass('node --test tests/noassert.test.js')),
        refused(pass('node --test tests/failing.test.js')),
        refused(pass('node --test tests/missing.test.js')),
        // The honest one.
        { expect: { lastToolResultIsError: true }, content: [pass('node --test tests/F001.test.js')] },
        finalText('Verified.', { lastToolResultIsError: false }),
      ]),
    });
    try {
      const run = await startHarness({
        projectDir,
        spec: join(work.path, 'spec.md'),
        serverUrl: server.url,
        configDir: config.path,
      }).done;
      expect(server.failures).toEqual([]);
      server.assertComplete();
      expect(run.code).toBe(0);
      const events = (await readFile(join(projectDir, '.claude-harness', 'events.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { type: string; command?: string; guard?: string });
      expect(events.filter((e) => e.type === 'policy_denial').map((e) => e.guard)).toEqual([
        'ledger',
        'ledger',
      ]);
      expect(events.filter((e) => e.type === 'verification_rejected').map((e) => e.command)).toEqual([
        'true',
        'npm test || true',
        'node --test tests/F001.test.js; exit 0',
        'node --test tests/skipped.test.js',
        'node --test tests/noassert.test.js',
        'node --test tests/failing.test.js',
        'node --test tests/missing.test.js',
      ]);
      expect(events.find((e) => e.type === 'feature_passed')).toMatchObject({
        command: 'node --test tests/F001.test.js',
      });
      const proofs = JSON.parse(await readFile(join(projectDir, '.claude-harness', 'proofs.json'), 'utf8'));
      expect(proofs.latest.F001).toMatchObject({ exitCode: 0, counts: { passed: 1, failed: 0 } });
    } finally {
      await server.close();
    }
  });
});
