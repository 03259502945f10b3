/**
 * The harness commits its checkpoint with git outside the agent's sandbox. A scripted agent (the real SDK
 * and Claude Code CLI, sandbox on) plants, through a script its shell runs, every common way of making git
 * run a program: a pre-commit hook, a `core.hooksPath` folder, a `core.fsmonitor`, a clean filter from
 * `.gitattributes` and an `include.path` to a config file it wrote. Each planted program touches a marker
 * outside the project (where the sandboxed agent itself cannot write). After the session the checkpoint
 * must exist with the files' real content, and no marker may appear.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFakeAnthropic } from '../../src/testing/fake-anthropic/index.js';
import { runSandboxed } from '../helpers/cli-process.js';
import { tempDir } from '../helpers/engine-env.js';
import { bash, featureListText, finalText, sessions, tool } from '../helpers/scenarios.js';

/** What the agent's script writes: path (from the project folder) → content, and which are executable. */
interface Plant {
  files: Record<string, string>;
  executable: string[];
  /** Appended to `.git/config`. */
  config: string;
}

function plant(markers: string, projectDir: string, hooksVia: 'git-hooks' | 'hooks-path'): Plant {
  const hook = (name: string) => `#!/bin/sh\ntouch '${markers}/${name}'\n`;
  const files: Record<string, string> = {
    'tools/fsmonitor.sh': `${hook('fsmonitor')}exit 1\n`,
    'tools/extra.gitconfig': [
      '[filter "inc"]',
      `\tclean = touch '${markers}/include'; tr a-z A-Z`,
      ...(hooksVia === 'hooks-path' ? ['[core]', '\thooksPath = .husky'] : []),
      '',
    ].join('\n'),
    '.gitattributes': '*.txt filter=upper\n*.md filter=inc\n',
    'data.txt': 'plain lower case data\n',
    'notes.md': 'some notes\n',
  };
  const hookDir = hooksVia === 'hooks-path' ? '.husky' : '.git/hooks';
  for (const name of ['pre-commit', 'commit-msg', 'post-commit', 'post-index-change']) {
    files[`${hookDir}/${name}`] = `${hook(`${hooksVia}-${name}`)}exit 1\n`;
  }
  const config = [
    '[core]',
    `\tfsmonitor = ${projectDir}/tools/fsmonitor.sh`,
    '[filter "upper"]',
    `\tclean = touch '${markers}/filter'; tr a-z A-Z`,
    '[include]',
    '\tpath = ../tools/extra.gitconfig',
    '',
  ].join('\n');
  const executable = Object.keys(files).filter(
    (path) => path.endsWith('.sh') || path.includes('hooks') || path.startsWith('.husky'),
  );
  return { files, executable, config };
}

/**
 * The plant as a POSIX shell script. The sandbox keeps `.git/config` and `.git/hooks` of a repository that
 * exists when a command starts read-only (and `.git` cannot be moved aside: EBUSY), so the script makes the
 * repository itself, in the same command, as an agent can in a new project before the first checkpoint.
 */
function shellScript(p: Plant): string {
  const lines = ['#!/bin/sh', 'set -e', 'git init -q'];
  for (const [path, content] of Object.entries(p.files)) {
    lines.push(
      `mkdir -p "$(dirname '${path}')"`,
      `cat > '${path}' <<'PLANT_EOF'`,
      content.replace(/\n$/, ''),
      'PLANT_EOF',
    );
  }
  for (const path of p.executable) lines.push(`chmod +x '${path}'`);
  lines.push(`cat >> .git/config <<'PLANT_EOF'`, p.config.replace(/\n$/, ''), 'PLANT_EOF', 'echo planted');
  return `${lines.join('\n')}\n`;
}

/** The plant as a node script writing the files itself. */
function nodeScript(p: Plant): string {
  return [
    "import { execFileSync } from 'node:child_process';",
    "import { appendFileSync, chmodSync, mkdirSync, writeFileSync } from 'node:fs';",
    "import { dirname } from 'node:path';",
    "execFileSync('git', ['init', '-q']);",
    `const files = ${JSON.stringify(p.files)};`,
    'for (const [path, content] of Object.entries(files)) {',
    '  mkdirSync(dirname(path), { recursive: true });',
    '  writeFileSync(path, content);',
    '}',
    `for (const path of ${JSON.stringify(p.executable)}) chmodSync(path, 0o755);`,
    `appendFileSync('.git/config', ${JSON.stringify(p.config)});`,
    "console.log('planted');",
    '',
  ].join('\n');
}

const variants = [
  {
    name: 'a shell script',
    hooksVia: 'git-hooks',
    file: 'plant.sh',
    run: 'sh plant.sh',
    script: shellScript,
  },
  {
    name: 'a node script',
    hooksVia: 'hooks-path',
    file: 'plant.mjs',
    run: 'node plant.mjs',
    script: nodeScript,
  },
] as const;

describe('the harness git calls ignore what the agent plants in the repository', () => {
  it.each(variants)(
    'plants through $name: no marker appears, the checkpoint holds the real files',
    async (variant) => {
      await using work = await tempDir('ch-git-');
      await using config = await tempDir('ch-cfg-');
      // Outside the project and not under $TMPDIR, so the sandboxed agent cannot write there itself.
      await using markers = await tempDir('ch-markers-', '/var/tmp');
      const projectDir = join(work.path, 'app');
      await mkdir(projectDir);
      await writeFile(join(work.path, 'spec.md'), 'A todo app.\n');
      const planted = plant(markers.path, projectDir, variant.hooksVia);

      const server = await startFakeAnthropic({
        variables: { projectDir },
        scenario: sessions([
          {
            content: [
              tool('Write', {
                file_path: `{{projectDir}}/${variant.file}`,
                content: variant.script(planted),
              }),
            ],
          },
          { expect: { lastToolResultIsError: false }, content: [bash(variant.run)] },
          {
            expect: { lastToolResultIsError: false },
            content: [
              tool('Write', {
                file_path: '{{projectDir}}/feature_list.json',
                content: featureListText([{ description: 'x' }]),
              }),
            ],
          },
          finalText('Planned.'),
        ]),
      });
      try {
        // In the sandbox: no --no-sandbox.
        const { code, stdout, stderr } = await runSandboxed(server, {
          projectDir,
          spec: join(work.path, 'spec.md'),
          configDir: config.path,
          iterations: 1,
        });
        // The plant really happened: the script ran in the agent's shell and wrote into .git.
        const git = (...args: string[]) =>
          execFileSync('git', ['-c', 'core.fsmonitor=false', '-c', 'core.hooksPath=/dev/null', ...args], {
            cwd: projectDir,
            encoding: 'utf8',
          });
        expect(git('config', '--file', '.git/config', 'core.fsmonitor').trim()).toBe(
          `${projectDir}/tools/fsmonitor.sh`,
        );
        const hooks = variant.hooksVia === 'hooks-path' ? '.husky' : '.git/hooks';
        expect(await readFile(join(projectDir, hooks, 'pre-commit'), 'utf8')).toContain(markers.path);

        expect(await readdir(markers.path)).toEqual([]);
        expect({ code, stderr }).toMatchObject({ code: 3 });
        expect(stdout).toMatch(/checkpoint commit [0-9a-f]{7}/);
        const show = (path: string) => git('cat-file', 'blob', `HEAD:${path}`);
        expect(show('data.txt')).toBe('plain lower case data\n');
        expect(show('notes.md')).toBe('some notes\n');
        expect(show(variant.file)).toBe(variant.script(planted));
        expect(git('log', '-1', '--format=%s')).toMatch(/checkpoint after session 1/);
      } finally {
        await server.close();
      }
    },
  );
});
