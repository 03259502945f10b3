/**
 * The proof records (`.claude-harness/proofs.json`) and the test files a proof reads, attacked as an agent
 * or a crash would: proofs.json replaced by a link to an outside file, cut short, garbage or the wrong shape;
 * a test runner's config linked to a file outside the project. The harness never follows a link, recovers
 * the proofs with one line (nothing proven is lost: `--mode validation` still re-runs them) and no outside
 * byte reaches the model — through the whole built CLI.
 */
import { cp, lstat, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic } from '../../src/testing/fake-anthropic/index.js';
import { startHarness } from '../helpers/cli-process.js';
import { tempDir } from '../helpers/engine-env.js';
import { provenProject, TWO_FEATURES } from '../helpers/proven-project.js';
import {
  bash,
  finalText,
  initializerSession,
  passingSession,
  passingTest,
  sessions,
  text,
  tool,
  writeScript,
} from '../helpers/scenarios.js';

const FEATURES = TWO_FEATURES;
const OUTSIDE_TEXT = 'OUTSIDE-PROOFS-4b9e keep me\n';

let work: { path: string; [Symbol.asyncDispose](): Promise<void> };
let config: { path: string; [Symbol.asyncDispose](): Promise<void> };
/** A project after a first run: the plan accepted, F001 proven, F002 to do (stopped by --max-iterations). */
let template: string;
let firstProof: { durationMs: number; outputTail: string; command: string };

const records = (projectDir: string) => join(projectDir, '.claude-harness');
const proofsFile = (projectDir: string) => join(records(projectDir), 'proofs.json');

beforeAll(async () => {
  work = await tempDir('ch-proofs-');
  config = await tempDir('ch-cfg-');
  template = await provenProject(work.path, config.path);
  firstProof = JSON.parse(await readFile(proofsFile(template), 'utf8')).latest.F001;
  expect(firstProof.outputTail).not.toBe('');
}, 120_000);

afterAll(async () => {
  await config?.[Symbol.asyncDispose]();
  await work?.[Symbol.asyncDispose]();
});

/** A copy of the template with `damage` done to it, then the same command again (F002 to do). */
async function resumeAfter(
  name: string,
  damage: (projectDir: string) => Promise<void>,
  work2: string[] = [],
) {
  const projectDir = join(work.path, name);
  await cp(template, projectDir, { recursive: true, verbatimSymlinks: true });
  const outside = join(work.path, `${name}-outside`);
  await mkdir(outside);
  await writeFile(join(outside, 'victim.json'), OUTSIDE_TEXT);
  await damage(projectDir);
  const server = await startFakeAnthropic({
    variables: { projectDir },
    recordBodies: true,
    scenario: sessions(
      passingSession(
        FEATURES,
        ['F001', 'F002'],
        work2.length === 0
          ? []
          : [
              writeScript('attack.py', work2.join('\n')),
              { content: [bash('python3 attack.py')] },
              {
                expect: { lastToolResultContains: 'linked', lastToolResultIsError: false },
                content: [bash('ls')],
              },
            ],
      ),
    ),
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
    const bodies = server.requests.map((r) => r.body ?? '').join('\n');
    return { run, projectDir, outside, bodies };
  } finally {
    await server.close();
  }
}

/** `--mode validation` on the project: every passing feature's recorded test is re-run. */
async function validate(projectDir: string) {
  // No session runs: the model is never asked.
  const server = await startFakeAnthropic({
    variables: { projectDir },
    scenario: sessions([finalText('unused')]),
  });
  try {
    return await startHarness({
      projectDir,
      serverUrl: server.url,
      configDir: config.path,
      args: ['--mode', 'validation'],
    }).done;
  } finally {
    await server.close();
  }
}

async function proofs(projectDir: string) {
  return JSON.parse(await readFile(proofsFile(projectDir), 'utf8')) as {
    latest: Record<string, { command: string; durationMs: number; outputTail: string }>;
    history: { featureId: string }[];
  };
}

const half = async (path: string) => {
  const content = await readFile(path, 'utf8');
  await writeFile(path, content.slice(0, Math.floor(content.length / 2)));
};
const garbage = (path: string) => writeFile(path, Buffer.from([0x00, 0xff, 0x7b, 0x22, 0x0a, 0x13, 0x37]));

const DAMAGE: [string, (projectDir: string) => Promise<void>, RegExp][] = [
  [
    'garbage',
    (p) => garbage(proofsFile(p)),
    /^↺ proofs\.json could not be read \(it is not valid JSON\); recovered from its last good copy \(proofs\.json\.last-good\)/m,
  ],
  [
    'cut short',
    (p) => half(proofsFile(p)),
    /^↺ proofs\.json could not be read \(it is not valid JSON\); recovered from its last good copy/m,
  ],
  [
    'of the wrong shape',
    (p) => writeFile(proofsFile(p), JSON.stringify({ version: 1, latest: { F001: 'proven, trust me' } })),
    /^↺ proofs\.json could not be read \(it does not have the expected shape \(latest\.F001: .*\)\); recovered from its last good copy/m,
  ],
];

describe('a damaged proofs.json between two runs', () => {
  it.each(DAMAGE)(
    '%s: recovered with one line, the proof survives, validation re-runs it',
    async (name, damage, line) => {
      const { run, projectDir } = await resumeAfter(`damaged-${name.replace(/\W+/g, '-')}`, damage);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toMatch(line);
      expect(run.stdout.match(/could not be read/g)).toHaveLength(1);
      expect(run.stdout).toContain('✓ All 2 features pass.');
      // F001's proof is the first run's, whole; F002's was added to it.
      const file = await proofs(projectDir);
      expect(file.latest.F001).toEqual(firstProof);
      expect(Object.keys(file.latest)).toEqual(['F001', 'F002']);
      const validation = await validate(projectDir);
      expect(validation.code, validation.stdout + validation.stderr).toBe(0);
      expect(validation.stdout).toContain('Validating 2 passing features');
      expect(validation.stdout).toContain('✓ F001  node --test tests/F001.test.js');
      expect(validation.stdout).toContain('✓ F002  node --test tests/F002.test.js');
      expect(validation.stdout).toContain('All 2 still pass.');
    },
  );

  it('garbage and its last good copy gone: rebuilt from the journal, saying what was lost', async () => {
    const { run, projectDir } = await resumeAfter('rebuilt', async (p) => {
      await garbage(proofsFile(p));
      await rm(`${proofsFile(p)}.last-good`);
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^↺ proofs\.json could not be read \(it is not valid JSON, and there is no last good copy\); recovered from the events journal \(events\.jsonl: 1 proof of F001; their test output, duration and file list were not in the journal and are lost\)/m,
    );
    expect(run.stdout.match(/could not be read/g)).toHaveLength(1);
    const file = await proofs(projectDir);
    expect(file.latest.F001?.command).toBe('node --test tests/F001.test.js');
    const validation = await validate(projectDir);
    expect(validation.code, validation.stdout + validation.stderr).toBe(0);
    expect(validation.stdout).toContain('✓ F001  node --test tests/F001.test.js');
    expect(validation.stdout).toContain('All 2 still pass.');
  });
});

describe('proofs.json replaced by a link to a file outside the project', () => {
  it('between two runs: the outside file is unchanged and the proof survives', async () => {
    const { run, projectDir, outside, bodies } = await resumeAfter('linked-between', async (p) => {
      await rm(proofsFile(p));
      await symlink(join(`${p}-outside`, 'victim.json'), proofsFile(p));
    });
    expect(await readFile(join(outside, 'victim.json'), 'utf8')).toBe(OUTSIDE_TEXT);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain(
      `⛔ .claude-harness/proofs.json was a symbolic link to "${join(outside, 'victim.json')}": the harness did not follow it`,
    );
    expect(run.stdout).toMatch(/^↺ proofs\.json could not be read .*; recovered from its last good copy/m);
    expect((await lstat(proofsFile(projectDir))).isFile()).toBe(true);
    const file = await proofs(projectDir);
    expect(file.latest.F001).toEqual(firstProof);
    expect(Object.keys(file.latest)).toEqual(['F001', 'F002']);
    expect(bodies).not.toContain('OUTSIDE-PROOFS-4b9e');
  });

  it('by a python script of the agent (--no-sandbox) during the run: never written through', async () => {
    const { run, projectDir, outside, bodies } = await resumeAfter('linked-by-agent', async () => {}, [
      'import os',
      'o = os.path.dirname(os.getcwd()) + os.sep + os.path.basename(os.getcwd()) + "-out" + "side"',
      'h = "." + "claude" + "-harness"',
      'for name in ["proofs" + ".json", "proofs.json" + ".last-good"]:',
      '    path = os.path.join(h, name)',
      '    if os.path.lexists(path):',
      '        os.remove(path)',
      'os.symlink(os.path.join(o, "victim.json"), os.path.join(h, "proofs" + ".json"))',
      'print("linked")',
    ]);
    // First, as it is the point: the outside file is exactly as it was.
    expect(await readFile(join(outside, 'victim.json'), 'utf8')).toBe(OUTSIDE_TEXT);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('⛔ .claude-harness/proofs.json was a symbolic link to');
    expect((await lstat(proofsFile(projectDir))).isFile()).toBe(true);
    // Its copy deleted too: F001's proof comes back from the journal, F002's is recorded.
    expect(run.stdout).toMatch(/↺ proofs\.json could not be read .*recovered from the events journal/);
    expect(Object.keys((await proofs(projectDir)).latest)).toEqual(['F001', 'F002']);
    expect(bodies).not.toContain('OUTSIDE-PROOFS-4b9e');
    const validation = await validate(projectDir);
    expect(validation.stdout).toContain('All 2 still pass.');
  });
});

describe('a test file or runner config linked to a file outside the project (sandbox on)', () => {
  const MARKER = 'OUTSIDE-TEST-SECRET-8d2c';
  /** Outside text that, read as a test file or config, would be quoted in the refusal. */
  const outsideSource = [
    `test.extend(${MARKER}).skip('x', () => expect(f()).toBe(1));`,
    `export default { test: { passWithNoTests: true } }; // ${MARKER}`,
  ].join('\n');

  async function attack(name: string, script: string[], command: string, refusal: string) {
    await using dir = await tempDir('ch-testlink-');
    const projectDir = join(dir.path, 'app');
    await mkdir(join(dir.path, 'outside'));
    await writeFile(join(dir.path, 'outside', 'secret.js'), `${outsideSource}\n`);
    await writeFile(join(dir.path, 'spec.md'), 'Say hello and bye.\n');
    const server = await startFakeAnthropic({
      variables: { projectDir },
      recordBodies: true,
      scenario: sessions(initializerSession(FEATURES), [
        writeScript('tests/F001.test.js', passingTest('F001')),
        writeScript(`${name}.sh`, script.join('\n')),
        { content: [bash(`sh ${name}.sh`)] },
        {
          expect: { lastToolResultContains: 'linked', lastToolResultIsError: false },
          content: [tool('mcp__harness__feature_pass', { id: 'F001', test_command: command })],
        },
        {
          expect: { lastToolResultIsError: true, lastToolResultContains: refusal },
          content: [text('Done.')],
        },
      ]),
    });
    try {
      const run = await startHarness({
        projectDir,
        spec: join(dir.path, 'spec.md'),
        serverUrl: server.url,
        configDir: config.path,
        bare: true,
        args: ['--auto-continue-delay', '0', '--max-iterations', '2'],
      }).done;
      expect(server.failures).toEqual([]);
      server.assertComplete();
      expect(run.code, run.stdout + run.stderr).toBe(3);
      expect(run.stdout).toContain('feature_pass refused');
      const bodies = server.requests.map((r) => r.body ?? '').join('\n');
      expect(bodies).toContain(refusal);
      expect(bodies).not.toContain(MARKER);
      const owned = JSON.parse(await readFile(join(records(projectDir), 'features.json'), 'utf8'));
      expect(owned.map((f: { passes: boolean }) => f.passes)).toEqual([false, false]);
    } finally {
      await server.close();
    }
  }

  it('tests/F001.test.js made a link by a shell script: refused, nothing of it reaches the model', async () => {
    await attack(
      'link-test',
      [
        'set -e',
        `o="$(dirname "$PWD")/$(printf 'out%s' side)"`,
        'rm -f tests/F001.test.js',
        `ln -s "$o/$(printf 'secret.%s' js)" tests/F001.test.js`,
        'echo linked',
      ],
      'node --test tests/F001.test.js',
      '`tests/F001.test.js` links to a file outside the project',
    );
  });

  it('vitest.config.ts made a link by a shell script: refused without reading it', async () => {
    await attack(
      'link-config',
      [
        'set -e',
        `o="$(dirname "$PWD")/$(printf 'out%s' side)"`,
        'mkdir -p node_modules/.bin',
        "printf '#!/bin/sh\\nexit 0\\n' > node_modules/.bin/vitest",
        'chmod +x node_modules/.bin/vitest',
        `ln -s "$o/secret.js" "$(printf 'vitest.config.%s' ts)"`,
        'echo linked',
      ],
      'npx vitest run tests/F001.test.js',
      'vitest.config.ts is a symbolic link: the harness reads only real files in the project',
    );
  });
});
