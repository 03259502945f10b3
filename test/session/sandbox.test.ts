import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseSandbox } from '../../src/session/sandbox.js';

async function binDir(names: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ch-bin-'));
  for (const name of names) {
    await writeFile(join(dir, name), '#!/bin/sh\n');
    await chmod(join(dir, name), 0o755);
  }
  return dir;
}

describe('chooseSandbox', () => {
  it('turns the sandbox on when bubblewrap and socat are installed', async () => {
    const choice = chooseSandbox({ PATH: await binDir(['bwrap', 'socat']) }, 'linux');
    expect(choice.settings).toEqual({
      enabled: true,
      autoAllowBashIfSandboxed: true,
      allowUnsandboxedCommands: false,
    });
    expect(choice.missing).toEqual([]);
  });

  it('says which packages to install when they are missing', async () => {
    const choice = chooseSandbox({ PATH: await binDir(['socat']) }, 'linux');
    expect(choice.settings).toBeUndefined();
    expect(choice.missing).toEqual(['bubblewrap']);
    expect(choice.description).toContain('apt-get install bubblewrap');
  });
});
