import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseSandbox } from '../../src/session/sandbox.js';
import { PROBE_CHECKS, probeSandbox } from '../../src/session/sandbox-probe.js';
import { tempDir } from '../helpers/engine-env.js';

const sandboxAvailable = chooseSandbox(process.env).settings !== undefined;

// The probe's Claude Code sources the shell start-up files of HOME for every Bash call; a developer's (pyenv
// init, say) can take seconds. The probe is about the sandbox, so it runs with an empty HOME.
let home: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  home = await tempDir('ch-home-');
});
afterAll(async () => {
  await home[Symbol.asyncDispose]();
});
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  HOME: home.path,
  ...extra,
});

describe('probeSandbox', () => {
  it('returns the apt-get fix at once when bubblewrap and socat are missing', async () => {
    await using project = await tempDir('ch-proj-');
    const result = await probeSandbox({ projectDir: project.path, env: { PATH: '/nonexistent' } });
    expect(result).toMatchObject({
      ok: false,
      reason: 'the OS sandbox needs bubblewrap and socat, which are not installed',
      fix: expect.stringContaining('sudo apt-get install -y bubblewrap socat'),
    });
    expect(result.durationMs).toBeLessThan(1000);
  });

  it('says the sandbox is unverified off Linux', async () => {
    await using project = await tempDir('ch-proj-');
    const result = await probeSandbox({ projectDir: project.path, env: env(), platform: 'darwin' });
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('not on darwin') });
  });

  it('confirms that the sandbox confines Bash (or, without bubblewrap, says what to install)', async () => {
    await using project = await tempDir('ch-proj-');
    const result = await probeSandbox({ projectDir: project.path, env: env() });
    if (!sandboxAvailable) {
      // .ci/run installs bubblewrap and socat; elsewhere the probe must say how.
      expect(result).toMatchObject({ ok: false, fix: expect.stringContaining('apt-get install') });
      return;
    }
    expect(result).toEqual({ ok: true, durationMs: expect.any(Number), checks: PROBE_CHECKS });
    expect(result.durationMs).toBeLessThan(15_000);
    expect(await readdir(project.path)).toEqual([]); // the probe file is removed
  });

  it.skipIf(!sandboxAvailable)(
    'fails when CLAUDE_CODE_SUBPROCESS_ENV_SCRUB=1 lets Bash out of the sandbox',
    async () => {
      await using project = await tempDir('ch-proj-');
      const result = await probeSandbox({
        projectDir: project.path,
        env: env({ CLAUDE_CODE_SUBPROCESS_ENV_SCRUB: '1' }),
      });
      expect(result).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/does not confine Bash: a write to .* succeeded/),
        fix: expect.stringContaining('unset CLAUDE_CODE_SUBPROCESS_ENV_SCRUB'),
      });
      const escaped = /a write to (\S+) /.exec(result.ok ? '' : result.reason)?.[1] ?? '';
      await expect(readdir(join(escaped, '..'))).rejects.toThrow(/ENOENT/); // cleaned up
    },
  );

  it('fails when the sandbox settings do not confine', async () => {
    await using project = await tempDir('ch-proj-');
    const result = await probeSandbox({
      projectDir: project.path,
      env: env(),
      sandbox: { enabled: false },
    });
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('does not confine Bash') });
  });

  it.skipIf(!sandboxAvailable)('tells a broken Bash from a confined one', async () => {
    await using project = await tempDir('ch-proj-');
    await using bin = await tempDir('ch-bin-');
    await mkdir(bin.path, { recursive: true });
    await writeFile(
      join(bin.path, 'bwrap'),
      '#!/bin/sh\necho "bwrap: No permissions to create new namespace" >&2\nexit 1\n',
    );
    await chmod(join(bin.path, 'bwrap'), 0o755);
    const result = await probeSandbox({
      projectDir: project.path,
      env: env({ PATH: `${bin.path}:${process.env.PATH ?? ''}` }),
    });
    expect(result).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^Bash failed inside the sandbox/),
    });
  });
});
