import { describe, expect, it } from 'vitest';
import {
  confinementFor,
  credentialNames,
  projectCacheDir,
  toolchainDirs,
  withoutCredentials,
} from '../../src/guards/confinement.js';
import { confinedSandboxSettings } from '../../src/session/sandbox.js';

const base = { enabled: true, autoAllowBashIfSandboxed: true, allowUnsandboxedCommands: false };

describe('credentialNames', () => {
  it('names the known credentials and every secret-named variable, and nothing else', () => {
    const env = {
      ANTHROPIC_API_KEY: 'sk-ant-x',
      CLAUDE_CODE_OAUTH_TOKEN: 'oauth',
      GITHUB_TOKEN: 'ghp_x',
      AWS_ACCESS_KEY_ID: 'AKIA',
      GOOGLE_APPLICATION_CREDENTIALS: '/keys/gcp.json',
      MY_DB_PASSWORD: 'hunter2',
      STRIPE_SECRET: 's',
      AZURE_DEVOPS_EXT_PAT: 'pat',
      PATH: '/usr/bin',
      HOME: '/home/u',
      GIT_AUTHOR_NAME: 'Ada',
      SSH_AUTH_SOCK: '/run/ssh.sock',
      CLAUDE_CODE_MAX_RETRIES: '0',
      CLAUDE_AGENT_SDK_CLIENT_APP: 'claude-harness',
      EMPTY_TOKEN: '',
    };
    expect(credentialNames(env)).toEqual([
      'ANTHROPIC_API_KEY',
      'AWS_ACCESS_KEY_ID',
      'AZURE_DEVOPS_EXT_PAT',
      'CLAUDE_CODE_OAUTH_TOKEN',
      'GITHUB_TOKEN',
      'GOOGLE_APPLICATION_CREDENTIALS',
      'MY_DB_PASSWORD',
      'STRIPE_SECRET',
    ]);
    expect(withoutCredentials(env)).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/u',
      GIT_AUTHOR_NAME: 'Ada',
      SSH_AUTH_SOCK: '/run/ssh.sock',
      CLAUDE_CODE_MAX_RETRIES: '0',
      CLAUDE_AGENT_SDK_CLIENT_APP: 'claude-harness',
      EMPTY_TOKEN: '',
    });
  });
});

describe('toolchainDirs', () => {
  it('opens the toolchains under the home, never the home itself, / or a system folder twice', () => {
    const path = [
      '/home/u/.nvm/versions/node/v22.1.0/bin',
      '/home/u/.pyenv/shims',
      '/home/u/.cargo/bin',
      '/home/u/bin',
      '/home/u',
      '/usr/local/bin',
      '/bin',
      'relative/bin',
    ].join(':');
    expect(toolchainDirs(path, '/home/u/.nvm/versions/node/v22.1.0/bin/node', '/home/u')).toEqual([
      '/home/u/.nvm/versions/node/v22.1.0',
      '/home/u/.pyenv',
      '/home/u/.cargo',
    ]);
  });
});

describe('confinementFor', () => {
  it('reads the project, system folders, toolchains, temp and cache; writes only project, temp and cache', () => {
    const c = confinementFor({
      projectDir: '/home/u/work/app',
      env: { PATH: '/home/u/work/bin:/home/u/.volta/bin:/usr/bin', ANTHROPIC_API_KEY: 'k' },
      home: '/home/u',
      tmp: '/tmp',
      execPath: '/usr/bin/node',
      config: { allowRead: ['/data/sdk', '~/.gradle'] },
    });
    expect(c.cacheDir).toMatch(/^\/home\/u\/\.cache\/claude-harness\/projects\/app-[0-9a-f]{16}\/cache$/);
    expect(c.gitConfigFile).toBe(c.cacheDir.replace(/cache$/, 'gitconfig'));
    expect(c.readable).toContain(c.gitConfigFile);
    expect(c.writable).not.toContain(c.gitConfigFile);
    expect(c.readable).toEqual(
      expect.arrayContaining(['/usr', '/etc', '/opt', '/home/u/.volta', '/data/sdk']),
    );
    expect(c.readable).toContain('/home/u/.gradle');
    // A PATH folder that holds the project would show its neighbours; the home is never readable whole.
    expect(c.readable).not.toContain('/home/u/work');
    expect(c.readable).not.toContain('/home/u');
    expect(c.writable).toEqual(['/home/u/work/app', '/tmp', c.cacheDir]);
    expect(c.readOnly).toEqual(['/home/u/work/app/.claude-harness', '/home/u/work/app/claude-harness.json']);
    expect(c.hidden).toContain('/etc/passwd');
    expect(c.credentials).toEqual(['ANTHROPIC_API_KEY']);
    expect(c.env).toEqual({
      npm_config_cache: `${c.cacheDir}/npm`,
      YARN_CACHE_FOLDER: `${c.cacheDir}/yarn`,
      PIP_CACHE_DIR: `${c.cacheDir}/pip`,
      GIT_CONFIG_GLOBAL: c.gitConfigFile,
    });
  });

  it('hides Claude Code’s own folder (login file, transcripts) wherever CLAUDE_CONFIG_DIR puts it', () => {
    const input = { projectDir: '/w/app', home: '/home/u', tmp: '/tmp', execPath: '/usr/bin/node' };
    expect(confinementFor({ ...input, env: { CLAUDE_CONFIG_DIR: '/opt/claude' } }).hidden).toContain(
      '/opt/claude',
    );
    expect(confinementFor({ ...input, env: { CLAUDE_CONFIG_DIR: '/w' } }).hidden).not.toContain('/w');
  });

  it('keeps one cache per project, under $XDG_CACHE_HOME when it is set', () => {
    const a = projectCacheDir('/w/app', { XDG_CACHE_HOME: '/cache' }, '/home/u');
    const b = projectCacheDir('/x/app', { XDG_CACHE_HOME: '/cache' }, '/home/u');
    expect(a).toMatch(/^\/cache\/claude-harness\/projects\/app-/);
    expect(a).not.toBe(b);
  });
});

describe('confinedSandboxSettings', () => {
  it('turns the confinement into the SDK sandbox settings', () => {
    const c = confinementFor({
      projectDir: '/tmp/app',
      env: { PATH: '/usr/bin', GH_TOKEN: 't', OTHER: 'x' },
      home: '/home/u',
      tmp: '/tmp',
      execPath: '/usr/bin/node',
    });
    const settings = confinedSandboxSettings(base, c);
    expect(settings).toMatchObject(base);
    expect(settings.filesystem?.denyRead?.[0]).toBe('/');
    expect(settings.filesystem?.allowRead).toEqual(c.readable);
    expect(settings.filesystem?.allowWrite).toEqual([c.cacheDir]);
    expect(settings.filesystem?.denyWrite).toEqual(c.readOnly);
    expect(settings.credentials?.envVars).toEqual([{ name: 'GH_TOKEN', mode: 'deny' }]);
  });
});
