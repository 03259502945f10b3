/**
 * The package as a user gets it: `npm pack` in a fresh clone (no dist/: prepack builds it), the tarball
 * installed into an empty folder and globally (`-g --prefix`), and the installed bin run as the README says:
 * `--version`, `--help`, `doctor` and `demo`. The installs take their packages from the local npm cache
 * (`--prefer-offline`); only the registry is asked for what the cache lacks.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, rename, symlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_ASSETS } from '../../src/assets/bundled.js';
import { chooseSandbox } from '../../src/session/sandbox.js';
import { tempDir } from '../helpers/engine-env.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const sandboxAvailable = chooseSandbox(process.env).settings !== undefined;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; never throws (a failing command is a result the test looks at). */
function run(
  command: string,
  args: string[],
  options: { cwd?: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: options.env,
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/**
 * The environment for npm: this one without the settings an enclosing `npm test` exports for its own
 * project (its prefix, its package), which would point the installs back at this repository.
 */
function npmEnv(): NodeJS.ProcessEnv {
  const keep = new Set([
    'npm_config_cache',
    'npm_config_userconfig',
    'npm_config_globalconfig',
    'npm_config_cafile',
  ]);
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => key !== 'INIT_CWD' && (!key.startsWith('npm_') || keep.has(key.toLowerCase())),
    ),
  );
}

const INSTALL_FLAGS = ['--no-audit', '--no-fund', '--prefer-offline'];

let work: Awaited<ReturnType<typeof tempDir>>;
let tarball: string;
let shipped: string[];
let localBin: string;
let localPackage: string;
let globalBinDir: string;
const timings: Record<string, number> = {};

async function timed<T>(name: string, step: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await step();
  } finally {
    timings[name] = Math.round(performance.now() - started);
  }
}

beforeAll(async () => {
  work = await tempDir('ch-package-');
  // A fresh clone: the repository's files without node_modules, dist/ or earlier tarballs. node_modules is
  // linked (prepack's build needs the compiler), never shipped.
  const clone = join(work.path, 'clone');
  await cp(ROOT, clone, {
    recursive: true,
    filter: (source) => {
      const name = basename(source);
      return (
        !(['node_modules', 'dist', '.git'].includes(name) && source === join(ROOT, name)) &&
        !name.endsWith('.tgz')
      );
    },
  });
  await symlink(join(ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');
  const env = npmEnv();
  const pack = await timed('npm pack (prepack builds dist/)', () =>
    run('npm', ['pack', '--json', ...INSTALL_FLAGS], { cwd: clone, env }),
  );
  expect(pack.code, pack.stderr).toBe(0);
  const [result] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  if (result === undefined) throw new Error(`npm pack printed no result: ${pack.stdout}`);
  tarball = join(clone, result.filename);
  shipped = result.files.map((file) => file.path);

  // An empty folder with only a package.json (as `npm init -y` makes), so npm installs there and not in a
  // project above it; and an empty global prefix.
  const local = join(work.path, 'local');
  await mkdir(local);
  await writeFile(join(local, 'package.json'), '{ "name": "try-claude-harness", "private": true }\n');
  const globalPrefix = join(work.path, 'global');
  await mkdir(globalPrefix);
  const [localInstall, globalInstall] = await Promise.all([
    timed('npm i <tgz>', () =>
      run('npm', ['i', ...INSTALL_FLAGS, tarball], { cwd: local, env, timeoutMs: 240_000 }),
    ),
    timed('npm i -g --prefix <dir> <tgz>', () =>
      run('npm', ['i', '-g', '--prefix', globalPrefix, ...INSTALL_FLAGS, tarball], {
        cwd: work.path,
        env,
        timeoutMs: 240_000,
      }),
    ),
  ]);
  expect(localInstall.code, localInstall.stderr).toBe(0);
  expect(globalInstall.code, globalInstall.stderr).toBe(0);
  localBin = join(local, 'node_modules', '.bin', 'claude-harness');
  localPackage = join(local, 'node_modules', 'claude-harness');
  globalBinDir = join(globalPrefix, 'bin');
}, 300_000);

afterAll(async () => {
  console.info(
    `package e2e timings: ${Object.entries(timings)
      .map(([step, ms]) => `${step} ${(ms / 1000).toFixed(1)} s`)
      .join(', ')}`,
  );
  await work?.[Symbol.asyncDispose]();
});

/** The installed CLI's environment: no credentials unless a test adds one, an empty HOME. */
async function userEnv(extra: Record<string, string> = {}): Promise<NodeJS.ProcessEnv> {
  const home = join(work.path, `home-${Math.random().toString(36).slice(2)}`);
  await mkdir(home);
  return { PATH: `${globalBinDir}:${process.env.PATH ?? ''}`, HOME: home, ...extra };
}

describe('the packed tarball', () => {
  it('holds the dist/ prepack built in a clone without one, and every bundled file', () => {
    expect(basename(tarball)).toMatch(/^claude-harness-\d+\.\d+\.\d+\.tgz$/);
    expect(shipped).toEqual(
      expect.arrayContaining([
        'dist/cli/main.js',
        'dist/index.js',
        'LICENSE',
        ...BUNDLED_ASSETS.map((asset) => asset.path),
      ]),
    );
  });
});

describe.each([
  ['installed in a folder (npm i <tgz>)', () => localBin],
  // As the README says: the global bin folder on PATH, the command by name.
  ['installed globally (npm i -g --prefix <dir> <tgz>)', () => 'claude-harness'],
])('claude-harness %s', (_name, bin) => {
  it('prints its version and its help', async () => {
    const env = await userEnv();
    const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const versionRun = await run(bin(), ['--version'], { env });
    expect(versionRun).toMatchObject({ code: 0, stderr: '' });
    expect(versionRun.stdout.trim()).toBe(version);
    const help = await run(bin(), ['--help'], { env });
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toContain('Usage: claude-harness');
    expect(help.stdout).toContain('demo');
    expect(help.stdout).toContain('doctor');
  });

  it('doctor finds the engine and every bundled file', async () => {
    const env = await userEnv({ ANTHROPIC_API_KEY: 'sk-ant-package-test-0123456789' });
    const doctor = await run(bin(), ['doctor'], { env });
    expect(doctor.stdout).toMatch(/^✓ Agent SDK \d/m);
    expect(doctor.stdout).toMatch(/^✓ Claude Code \d/m);
    expect(doctor.stdout).toContain(`✓ bundled files: ${BUNDLED_ASSETS.length} in place`);
    if (sandboxAvailable) expect(doctor, doctor.stdout).toMatchObject({ code: 0, stderr: '' });
  });

  it('runs the demo to the end', async () => {
    const env = await userEnv();
    const project = join(work.path, `demo-${Math.random().toString(36).slice(2)}`);
    const demo = await run(bin(), ['demo', '--project-dir', project], { env, timeoutMs: 120_000 });
    expect(demo.stderr).toBe('');
    expect(demo.code, demo.stdout).toBe(0);
    expect(demo.stdout).toContain('│ Hello, Ada!');
    const greeting = await run(process.execPath, ['greet.js', 'Grace'], { cwd: project, env });
    expect(greeting.stdout).toBe('Hello, Grace!\n');
  }, 120_000);
});

describe('an installed package with a bundled file gone', () => {
  it('doctor fails the required check and says to reinstall', async () => {
    const prompt = join(localPackage, 'prompts', 'initializer.md');
    await rename(prompt, `${prompt}.gone`);
    try {
      const env = await userEnv({ ANTHROPIC_API_KEY: 'sk-ant-package-test-0123456789' });
      const doctor = await run(localBin, ['doctor'], { env });
      expect(doctor.stdout).toContain(
        `✗ bundled file missing: ${prompt} (the initializer prompt template) — fix: reinstall claude-harness`,
      );
      expect(doctor.code).toBe(1);
    } finally {
      await rename(`${prompt}.gone`, prompt);
    }
  });
});

describe('the README', () => {
  it('opens with the install and the demo this test runs', async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const commands = firstBlock
      .split('\n')
      .map((line) => line.replace(/\s+#.*$/, '').trim())
      .filter((line) => line !== '');
    expect(commands.slice(0, 2)).toEqual([`npm i -g ./${basename(tarball)}`, 'claude-harness demo']);
  });
});
