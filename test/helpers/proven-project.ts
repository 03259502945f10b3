import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { startFakeAnthropic } from '../../src/testing/fake-anthropic/index.js';
import { startHarness } from './cli-process.js';
import { initializerSession, passingSession, type SpecFeature, sessions } from './scenarios.js';

/** The two features of `provenProject`. */
export const TWO_FEATURES: SpecFeature[] = [{ description: 'say hello' }, { description: 'say bye' }];

/**
 * `<workDir>/template`: a project after a first run (no sandbox) on `<workDir>/spec.md`, its plan accepted, F001
 * proven and F002 still to do (stopped by --max-iterations, exit 3). Tests copy it and damage the copy.
 */
export async function provenProject(workDir: string, configDir: string): Promise<string> {
  const template = join(workDir, 'template');
  await writeFile(join(workDir, 'spec.md'), 'Say hello and bye.\n');
  const server = await startFakeAnthropic({
    variables: { projectDir: template },
    scenario: sessions(initializerSession(TWO_FEATURES), passingSession(TWO_FEATURES, ['F001'])),
  });
  try {
    const run = await startHarness({
      projectDir: template,
      spec: join(workDir, 'spec.md'),
      serverUrl: server.url,
      configDir,
      args: ['--max-iterations', '2'],
    }).done;
    expect(server.failures).toEqual([]);
    server.assertComplete();
    expect(run.code, run.stdout + run.stderr).toBe(3);
  } finally {
    await server.close();
  }
  return template;
}
