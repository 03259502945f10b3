/**
 * The harness's records are damaged between two runs (garbage, a file cut short, the wrong shape, a torn
 * journal line), as a crash or a process outside the harness would leave them. The next run recovers each
 * one, says so in one line, keeps every proven feature passing and finishes the work — through the whole
 * built CLI. Only when nothing can be recovered does it stop, naming the file and how to reset it.
 */
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic } from '../../src/testing/fake-anthropic/index.js';
import { startHarness } from '../helpers/cli-process.js';
import { tempDir } from '../helpers/engine-env.js';
import { provenProject, TWO_FEATURES } from '../helpers/proven-project.js';
import { passingSession, sessions } from '../helpers/scenarios.js';

const FEATURES = TWO_FEATURES;

let work: { path: string; [Symbol.asyncDispose](): Promise<void> };
let config: { path: string; [Symbol.asyncDispose](): Promise<void> };
/** A project after a first run: the plan accepted, F001 proven, F002 to do (stopped by --max-iterations). */
let template: string;

const records = (projectDir: string) => join(projectDir, '.claude-harness');

beforeAll(async () => {
  work = await tempDir('ch-recover-');
  config = await tempDir('ch-cfg-');
  template = await provenProject(work.path, config.path);
}, 120_000);

afterAll(async () => {
  await config?.[Symbol.asyncDispose]();
  await work?.[Symbol.asyncDispose]();
});

/** A copy of the template with `damage` done to it, then the same command again. */
async function resumeAfter(name: string, damage: (projectDir: string) => Promise<void>, complete = true) {
  const projectDir = join(work.path, name);
  await cp(template, projectDir, { recursive: true, verbatimSymlinks: true });
  await damage(projectDir);
  const server = await startFakeAnthropic({
    variables: { projectDir },
    scenario: sessions(passingSession(FEATURES, ['F001', 'F002'])),
  });
  try {
    const run = await startHarness({
      projectDir,
      spec: join(work.path, 'spec.md'),
      serverUrl: server.url,
      configDir: config.path,
    }).done;
    expect(server.failures).toEqual([]);
    if (complete) server.assertComplete();
    return { run, projectDir };
  } finally {
    await server.close();
  }
}

/** The journal's events (a torn line, which no reader can use, is left out). */
async function events(projectDir: string) {
  return (await readFile(join(records(projectDir), 'events.jsonl'), 'utf8')).split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line) as { type: string; [k: string]: unknown }];
    } catch {
      return [];
    }
  });
}

const half = async (path: string) => {
  const text = await readFile(path, 'utf8');
  await writeFile(path, text.slice(0, Math.floor(text.length / 2)));
};
const garbage = (path: string) => writeFile(path, Buffer.from([0x00, 0xff, 0x7b, 0x22, 0x0a, 0x13, 0x37]));

const VARIANTS: [string, (projectDir: string) => Promise<void>, RegExp][] = [
  [
    'state.json full of garbage',
    (p) => garbage(join(records(p), 'state.json')),
    /^↺ state\.json could not be read \(it is not valid JSON.*\); recovered from its last good copy/m,
  ],
  [
    'state.json cut short',
    (p) => half(join(records(p), 'state.json')),
    /^↺ state\.json could not be read \(it is not valid JSON.*\); recovered from its last good copy/m,
  ],
  [
    'state.json of the wrong shape, its last good copy garbage',
    async (p) => {
      await writeFile(join(records(p), 'state.json'), JSON.stringify({ version: 1, sessions: 'many' }));
      await garbage(join(records(p), 'state.json.last-good'));
    },
    /^↺ state\.json could not be read \(it does not have the expected shape .*\); recovered from the events journal \(events\.jsonl: 2 sessions/m,
  ],
  [
    'features.json cut short',
    (p) => half(join(records(p), 'features.json')),
    /^↺ features\.json could not be read \(it is not valid JSON\); recovered from its last good copy/m,
  ],
  [
    'features.json of the wrong shape, its last good copy deleted',
    async (p) => {
      await writeFile(join(records(p), 'features.json'), JSON.stringify({ F001: 'passes' }));
      await rm(join(records(p), 'features.json.last-good'), { force: true });
    },
    /^↺ features\.json could not be read \(it does not have the expected shape .*\); recovered from feature_list\.json, with "passes" only where proofs\.json holds a proof \(1 of 2 pass\)/m,
  ],
];

describe('damaged records between two runs', () => {
  it.each(VARIANTS)('%s: recovered with one line, proven features still pass', async (name, damage, line) => {
    const { run, projectDir } = await resumeAfter(name.replace(/\W+/g, '-'), damage);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(line);
    expect(run.stdout.match(/could not be read/g)).toHaveLength(1);
    const recovered = (await events(projectDir)).filter((e) => e.type === 'tamper' && 'recoveredFrom' in e);
    expect(recovered).toHaveLength(1);
    // F001's proof from the first run still counts, and F002 was done in this one.
    const owned = JSON.parse(await readFile(join(records(projectDir), 'features.json'), 'utf8'));
    expect(owned.map((f: { id: string; passes: boolean }) => [f.id, f.passes])).toEqual([
      ['F001', true],
      ['F002', true],
    ]);
    const view = JSON.parse(await readFile(join(projectDir, 'feature_list.json'), 'utf8'));
    expect(view.map((f: { passes: boolean }) => f.passes)).toEqual([true, true]);
    expect(run.stdout).toContain('✓ All 2 features pass.');
  });

  it('a journal line torn by a crash: the next run logs whole lines after it', async () => {
    const { run, projectDir } = await resumeAfter('torn-events', async (p) => {
      await writeFile(
        join(records(p), 'events.jsonl'),
        '{"v":1,"at":"2026-12-06T01:00:00.000Z","type":"sess',
        {
          flag: 'a',
        },
      );
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const all = await events(projectDir);
    expect(all.filter((e) => e.type === 'run_start')).toHaveLength(2);
    expect(all.at(-1)).toMatchObject({ type: 'run_end', exitCode: 0 });
    expect(all.filter((e) => e.type === 'feature_passed').map((e) => e.featureId)).toEqual(['F001', 'F002']);
  });

  it('stops, naming the file and how to reset it, only when nothing can be recovered', async () => {
    const { run, projectDir } = await resumeAfter(
      'nothing-left',
      async (p) => {
        await garbage(join(records(p), 'features.json'));
        await garbage(join(records(p), 'features.json.last-good'));
        await writeFile(join(p, 'feature_list.json'), '[{"id": "F001", "desc');
      },
      false,
    );
    expect(run.code, run.stdout + run.stderr).toBe(2);
    expect(run.stderr).toContain('.claude-harness/features.json');
    expect(run.stderr).toContain('could not be rebuilt because feature_list.json is not valid JSON');
    expect(run.stderr).toContain('git checkout -- feature_list.json');
    // Nothing was overwritten: the damaged files are as they were left.
    expect(await readFile(join(records(projectDir), 'features.json'))).toEqual(
      Buffer.from([0x00, 0xff, 0x7b, 0x22, 0x0a, 0x13, 0x37]),
    );
  });
});
