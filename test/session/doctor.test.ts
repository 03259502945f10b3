import { cp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUNDLED_ASSETS } from '../../src/assets/bundled.js';
import type { CommandIO } from '../../src/cli/io.js';
import { type DoctorDeps, runDoctorCommand } from '../../src/session/doctor.js';
import { chooseSandbox } from '../../src/session/sandbox.js';
import { tempDir } from '../helpers/engine-env.js';

function captureIO(env: NodeJS.ProcessEnv): { io: CommandIO; output: () => string } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  const io: CommandIO = {
    out,
    err: new PassThrough(),
    env,
    signal: new AbortController().signal,
    cwd: process.cwd(),
  };
  return { io, output: () => text };
}

const FAKE_KEY = 'sk-ant-doctor-test-value-0123456789';
const sandboxAvailable = chooseSandbox(process.env).settings !== undefined;

describe('runDoctorCommand', () => {
  it('prints one line per check and exits 0 when everything required is in place', async () => {
    await using project = await tempDir('ch-proj-');
    // An empty HOME: the probe's Bash sources HOME's shell start-up files, which can take seconds here.
    await using home = await tempDir('ch-home-');
    const { io, output } = captureIO({
      ...process.env,
      HOME: home.path,
      ANTHROPIC_API_KEY: FAKE_KEY,
      CLAUDE_CODE_OAUTH_TOKEN: '',
    });
    const code = await runDoctorCommand({ projectDir: project.path }, io, {
      chromiumPath: '/nonexistent/chromium',
    });
    const lines = output().trimEnd().split('\n');
    expect(lines[0]).toBe(`✓ Node.js ${process.versions.node}`);
    expect(lines[1]).toMatch(/^✓ Agent SDK \d+\.\d+\.\d+$/);
    expect(lines[2]).toMatch(/^✓ Claude Code \d+\.\d+\.\d+ \(@anthropic-ai\/claude-agent-sdk-linux-/);
    expect(lines[3]).toBe(
      '✓ credentials: ANTHROPIC_API_KEY will be used (x-api-key); CLAUDE_CODE_OAUTH_TOKEN is set but empty, so it is ignored',
    );
    expect(lines[4]).toMatch(/^✓ git \d/);
    expect(output()).not.toContain(FAKE_KEY);
    expect(lines).toContain(
      '✗ Chromium not found at /nonexistent/chromium, needed only for browser tests (optional) — fix: sudo apt-get install -y chromium',
    );
    if (sandboxAvailable) {
      expect(lines[5]).toMatch(/^✓ bubblewrap \d/);
      expect(lines[6]).toMatch(/^✓ socat \d/);
      expect(lines[7]).toMatch(/^✓ sandbox confines Bash \(probe took \d+\.\d s\)$/);
      expect(lines.slice(8, 12)).toEqual([
        '✓ sandbox: writes outside the project: blocked',
        '✓ sandbox: reads outside the project: blocked',
        '✓ sandbox: credentials: hidden from the agent',
        '✓ sandbox: harness records: not writable by the agent',
      ]);
      expect(lines.at(-1)).toBe('Everything claude-harness needs is in place.');
      expect(code).toBe(0);
    } else {
      expect(output()).toMatch(/✗ sandbox probe: not run .* — fix: sudo apt-get install -y/);
      expect(code).toBe(1);
    }
  });

  it('gives the fix for each failed check and exits 1', async () => {
    const { io, output } = captureIO({ PATH: '/nonexistent', HOME: '/nonexistent' });
    const code = await runDoctorCommand({}, io, { nodeVersion: '20.18.3', platform: 'linux' });
    const text = output();
    expect(text).toContain('✗ Node.js 20.18.3 is too old (20.19 or newer is needed) — fix: install Node.js');
    expect(text).toContain('✗ credentials: none found — fix: export ANTHROPIC_API_KEY=…');
    expect(text).toContain('✗ git: not found — fix: sudo apt-get install -y git');
    expect(text).toContain('✗ bubblewrap: not found — fix: sudo apt-get install -y bubblewrap');
    expect(text).toContain('✗ socat: not found — fix: sudo apt-get install -y socat');
    expect(text).toContain(
      '✗ sandbox probe: not run (bubblewrap and socat are needed) — fix: sudo apt-get install -y bubblewrap socat',
    );
    expect(text.trimEnd().split('\n').at(-1)).toBe('6 required checks failed: see the fixes above.');
    expect(code).toBe(1);
  });

  it('reports a sandbox that does not confine, with the probe’s fix', async () => {
    const probe: DoctorDeps['probe'] = async () => ({
      ok: false,
      reason: 'the sandbox does not confine Bash: a write to /var/tmp/x (outside the project) succeeded',
      fix: 'unset CLAUDE_CODE_SUBPROCESS_ENV_SCRUB',
      durationMs: 900,
    });
    const { io, output } = captureIO({
      ...process.env,
      ANTHROPIC_API_KEY: FAKE_KEY,
      PATH: process.env.PATH ?? '',
    });
    const code = await runDoctorCommand({}, io, {
      probe,
      platform: 'darwin',
      chromiumPath: process.execPath,
    });
    expect(output()).toContain(
      '✗ sandbox: the sandbox does not confine Bash: a write to /var/tmp/x (outside the project) succeeded — fix: unset CLAUDE_CODE_SUBPROCESS_ENV_SCRUB',
    );
    expect(output()).toContain(`✓ Chromium ${process.execPath}, for browser tests (optional)`);
    expect(output()).not.toContain('bubblewrap');
    expect(code).toBe(1);
  });

  it('checks the files it ships: a missing prompt template or demo file is a failed required check', async () => {
    await using pkg = await tempDir('ch-pkg-');
    // An installed package with two of its bundled files gone.
    const repo = new URL('../../', import.meta.url);
    for (const folder of ['prompts', 'scenarios', 'schema']) {
      await cp(new URL(folder, repo), join(pkg.path, folder), { recursive: true });
    }
    await rm(join(pkg.path, 'prompts', 'initializer.md'));
    await rm(join(pkg.path, 'scenarios', 'demo.yaml'));
    const probe: DoctorDeps['probe'] = async () => ({ ok: true, durationMs: 1, checks: [] });
    const deps = { probe, chromiumPath: process.execPath };
    const env = { ...process.env, ANTHROPIC_API_KEY: FAKE_KEY, PATH: process.env.PATH ?? '' };

    const broken = captureIO(env);
    const code = await runDoctorCommand({}, broken.io, {
      ...deps,
      packageRoot: pathToFileURL(`${pkg.path}/`),
    });
    const lines = broken.output().trimEnd().split('\n');
    expect(lines.filter((line) => line.includes('bundled'))).toEqual([
      `✗ bundled file missing: ${join(pkg.path, 'prompts', 'initializer.md')} (the initializer prompt template) — fix: reinstall claude-harness`,
      `✗ bundled file missing: ${join(pkg.path, 'scenarios', 'demo.yaml')} (the demo’s model script) — fix: reinstall claude-harness`,
    ]);
    expect(code).toBe(1);

    // The package as this repository ships it has every one.
    const whole = captureIO(env);
    await runDoctorCommand({}, whole.io, deps);
    expect(
      whole
        .output()
        .split('\n')
        .filter((line) => line.includes('bundled')),
    ).toEqual([
      `✓ bundled files: ${BUNDLED_ASSETS.length} in place (prompt templates, demo scenario, config schema)`,
    ]);
  });

  describe('says which credential will be used, by name only', () => {
    const passingProbe: DoctorDeps['probe'] = async () => ({ ok: true, durationMs: 100, checks: [] });

    async function doctorJson(env: NodeJS.ProcessEnv) {
      await using home = await tempDir('ch-home-');
      const { io, output } = captureIO({ PATH: process.env.PATH ?? '', HOME: home.path, ...env });
      const code = await runDoctorCommand({ json: true }, io, {
        probe: passingProbe,
        platform: 'darwin',
        chromiumPath: process.execPath,
      });
      return { code, text: output(), report: JSON.parse(output()) as Record<string, unknown> };
    }

    it.each([
      [
        { ANTHROPIC_AUTH_TOKEN: 'tok-secret-1' },
        'auth-token',
        'ANTHROPIC_AUTH_TOKEN',
        'Authorization: Bearer',
      ],
      [{ ANTHROPIC_API_KEY: 'key-secret-2' }, 'api-key', 'ANTHROPIC_API_KEY', 'x-api-key'],
      [{ CLAUDE_CODE_OAUTH_TOKEN: 'oat-secret-3' }, 'oauth-token', 'CLAUDE_CODE_OAUTH_TOKEN', 'Bearer'],
      [
        { CLAUDE_CODE_USE_BEDROCK: '1', AWS_PROFILE: 'dev' },
        'bedrock',
        'CLAUDE_CODE_USE_BEDROCK',
        'AWS_PROFILE',
      ],
      [
        { CLAUDE_CODE_USE_VERTEX: '1', ANTHROPIC_VERTEX_PROJECT_ID: 'proj-secret-4' },
        'vertex',
        'CLAUDE_CODE_USE_VERTEX',
        'ANTHROPIC_VERTEX_PROJECT_ID',
      ],
    ])('doctor --json with %j', async (env, method, source, sentAs) => {
      const { code, text, report } = await doctorJson(env);
      expect(report.ok).toBe(code === 0);
      expect(report.credential).toEqual({ method, source });
      const checks = report.checks as { ok: boolean; required: boolean; label: string; fix?: string }[];
      const credentials = checks.find((check) => check.label.startsWith('credentials: '));
      expect(credentials).toMatchObject({ ok: true, required: true });
      expect(credentials?.label).toContain(`${source} will be used`);
      expect(credentials?.label).toContain(sentAs);
      for (const check of checks) {
        expect(typeof check.ok).toBe('boolean');
        expect(typeof check.required).toBe('boolean');
        expect(typeof check.label).toBe('string');
      }
      expect(text).not.toMatch(/secret-\d/);
    });

    it('doctor --json names the claude /login file, and says what is wrong with a broken one', async () => {
      await using config = await tempDir('ch-cfg-');
      const file = join(config.path, '.credentials.json');
      await writeFile(file, JSON.stringify({ claudeAiOauth: { accessToken: 'oat-secret-5' } }));
      const good = await doctorJson({ CLAUDE_CONFIG_DIR: config.path });
      expect(good.report.credential).toEqual({ method: 'credentials-file', source: file });
      expect(good.text).not.toContain('oat-secret-5');

      await writeFile(file, '{ not json');
      const bad = await doctorJson({ CLAUDE_CONFIG_DIR: config.path });
      expect(bad.code).toBe(1);
      expect(bad.report.ok).toBe(false);
      expect(bad.report.credential).toBeNull();
      const checks = bad.report.checks as { ok: boolean; label: string; fix?: string }[];
      expect(checks.find((check) => check.label.startsWith('credentials: '))).toMatchObject({
        ok: false,
        label: `credentials: none usable: the Claude Code credentials file ${file} is not JSON: run \`claude /login\` again, or remove the file and set ANTHROPIC_API_KEY`,
      });
    });
  });
});
