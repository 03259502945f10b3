/**
 * A scripted agent replaces the files the harness reads and writes with symbolic links to files outside the
 * project. The harness never follows them: the outside files stay as they were, nothing of theirs reaches
 * the model, each link is reported as tampering, and the run goes on — through the whole built CLI.
 */
import { lstat, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFakeAnthropic } from '../../src/testing/fake-anthropic/index.js';
import { startHarness } from '../helpers/cli-process.js';
import { tempDir } from '../helpers/engine-env.js';
import {
  bash,
  initializerSession,
  passingSession,
  type SpecFeature,
  sessions,
  writeScript,
} from '../helpers/scenarios.js';

const FEATURES: SpecFeature[] = [{ description: 'say hello' }, { description: 'say bye' }];

/** What the outside files hold; none of it may change or reach a request. */
const OUTSIDE: Record<string, string> = {
  'victim-list.json': 'OUTSIDE-LIST-5c1e keep me\n',
  'victim-gitignore': 'OUTSIDE-IGNORE-9b2d keep me\n',
  'progress-secret.txt': 'OUTSIDE-PROGRESS-7f3a the password is hunter2\n',
  'victim-events.log': 'OUTSIDE-EVENTS-1d4c keep me\n',
  'victim-features.json': 'OUTSIDE-FEATURES-3e8f keep me\n',
};

interface Attack {
  /** The script the agent writes into the project… */
  file: string;
  body: string;
  /** …and the Bash command that runs it (it names no protected path: the paths are built at run time). */
  command: string;
}

/** Links the project root's files: the sandbox stays on. */
const ROOT_ATTACKS: Record<string, Attack> = {
  'a shell script, paths from printf': {
    file: 'attack.sh',
    body: [
      '#!/bin/sh',
      'set -e',
      `o="$(dirname "$PWD")/$(printf 'out%s' side)"`,
      `ln -sf "$o/$(printf 'victim-%s.json' list)" "$(printf 'feature_%s.json' list)"`,
      `ln -sf "$o/victim-gitignore" "$(printf '.git%s' ignore)"`,
      `ln -sf "$o/progress-secret.txt" "$(printf 'claude-%s.txt' progress)"`,
      'echo linked',
    ].join('\n'),
    command: 'sh attack.sh',
  },
  'a node script, paths from string concatenation': {
    file: 'attack.cjs',
    body: [
      "const { rmSync, symlinkSync } = require('node:fs');",
      "const { dirname, sep } = require('node:path');",
      "const o = dirname(process.cwd()) + sep + ['out', 'side'].join('');",
      'for (const [name, target] of [',
      "  ['feature_' + 'list.json', 'victim-' + 'list.json'],",
      "  ['.git' + 'ignore', 'victim-gitignore'],",
      "  ['claude-' + 'progress.txt', 'progress-secret.txt'],",
      ']) {',
      '  rmSync(name, { force: true });',
      '  symlinkSync(o + sep + target, name);',
      '}',
      "console.log('linked');",
    ].join('\n'),
    command: 'node attack.cjs',
  },
};

/** Links the harness's own records: with --no-sandbox (the sandbox makes .claude-harness read-only). */
const RECORD_ATTACKS: Record<string, Attack> = {
  'a shell script, paths from printf': {
    file: 'attack.sh',
    body: [
      '#!/bin/sh',
      'set -e',
      `o="$(dirname "$PWD")/$(printf 'out%s' side)"`,
      `h="$(printf '.%s-%s' claude harness)"`,
      `ln -sf "$o/victim-events.log" "$h/$(printf 'events.%s' jsonl)"`,
      `rm -f "$h/features.json" "$h/features.json.last-good"`,
      `ln -sf "$o/victim-features.json" "$h/features.json"`,
      'echo linked',
    ].join('\n'),
    command: 'sh attack.sh',
  },
  'a python script, paths from string concatenation': {
    file: 'attack.py',
    body: [
      'import os',
      'o = os.path.dirname(os.getcwd()) + os.sep + "out" + "side"',
      'h = "." + "claude" + "-harness"',
      'for name, target in [("events." + "jsonl", "victim-events.log"), ("features" + ".json", "victim-features.json")]:',
      '    path = os.path.join(h, name)',
      '    if os.path.lexists(path):',
      '        os.remove(path)',
      '    os.symlink(o + os.sep + target, path)',
      'copy = os.path.join(h, "features.json.last-good")',
      'if os.path.lexists(copy):',
      '    os.remove(copy)',
      'print("linked")',
    ].join('\n'),
    command: 'python3 attack.py',
  },
};

interface Tamper {
  type: string;
  file?: string;
  linkTarget?: string;
  changes?: string[];
}

async function runAttack(attack: Attack, options: { sandbox: boolean; work: string; config: string }) {
  const work = { path: options.work };
  const config = { path: options.config };
  const projectDir = join(work.path, 'app');
  const outside = join(work.path, 'outside');
  await mkdir(outside);
  for (const [name, text] of Object.entries(OUTSIDE)) await writeFile(join(outside, name), text);
  await writeFile(join(work.path, 'spec.md'), 'Say hello and bye.\n');
  const server = await startFakeAnthropic({
    variables: { projectDir },
    recordBodies: true,
    scenario: sessions(
      initializerSession(FEATURES),
      [
        writeScript(attack.file, attack.body),
        { content: [bash(attack.command)] },
        { expect: { lastToolResultContains: 'linked', lastToolResultIsError: false }, content: [bash('ls')] },
        ...passingSession(FEATURES, ['F001']),
      ],
      passingSession(FEATURES, ['F001', 'F002']),
    ),
  });
  try {
    const run = await startHarness({
      projectDir,
      spec: join(work.path, 'spec.md'),
      serverUrl: server.url,
      configDir: config.path,
      ...(options.sandbox ? { bare: true, args: ['--auto-continue-delay', '0'] } : {}),
    }).done;
    const outsideNow = Object.fromEntries(
      await Promise.all(
        Object.keys(OUTSIDE).map(async (name) => [name, await readFile(join(outside, name), 'utf8')]),
      ),
    );
    // First, as it is the point: the outside files are exactly as they were.
    expect(outsideNow).toEqual(OUTSIDE);
    expect(server.failures).toEqual([]);
    server.assertComplete();
    const events = (await readFile(join(projectDir, '.claude-harness', 'events.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Tamper);
    return {
      run,
      events,
      outside,
      outsideNow,
      projectDir,
      bodies: server.requests.map((request) => request.body ?? ''),
    };
  } finally {
    await server.close();
  }
}

/** No request the model received carries any outside file's content. */
function expectNothingOutsideReachedTheModel(bodies: string[]): void {
  expect(bodies.length).toBeGreaterThan(4);
  for (const text of Object.values(OUTSIDE)) {
    const marker = text.split(' ')[0] ?? text;
    expect(bodies.filter((body) => body.includes(marker))).toEqual([]);
  }
}

describe('symbolic links planted by the agent', () => {
  it.each(Object.entries(ROOT_ATTACKS))(
    'in the project root, by %s (sandbox on): never followed, reported, replaced',
    async (_name, attack) => {
      await using work = await tempDir('ch-links-');
      await using config = await tempDir('ch-cfg-');
      const { run, events, outside, outsideNow, projectDir, bodies } = await runAttack(attack, {
        sandbox: true,
        work: work.path,
        config: config.path,
      });
      expect(run.code, run.stderr).toBe(0);
      // The outside files are exactly as they were: nothing written, appended or read into a prompt.
      expect(outsideNow).toEqual(OUTSIDE);
      expectNothingOutsideReachedTheModel(bodies);
      // Each link is reported once as tampering, with where it pointed.
      const links = events.filter((e) => e.type === 'tamper' && e.linkTarget !== undefined);
      expect(links.map((e) => [e.file, e.linkTarget]).sort()).toEqual(
        [
          ['.gitignore', join(outside, 'victim-gitignore')],
          ['claude-progress.txt', join(outside, 'progress-secret.txt')],
          ['feature_list.json', join(outside, 'victim-list.json')],
        ].sort(),
      );
      for (const file of ['feature_list.json', 'claude-progress.txt', '.gitignore']) {
        expect(run.stdout).toContain(`⛔ ${file} was a symbolic link to "${outside}/`);
      }
      // The harness's own files are real files again, and the run finished its work.
      expect((await lstat(join(projectDir, 'feature_list.json'))).isFile()).toBe(true);
      expect((await lstat(join(projectDir, '.gitignore'))).isFile()).toBe(true);
      expect(await readFile(join(projectDir, '.gitignore'), 'utf8')).toContain('.claude-harness/');
      const list = JSON.parse(await readFile(join(projectDir, 'feature_list.json'), 'utf8'));
      expect(list.map((f: { passes: boolean }) => f.passes)).toEqual([true, true]);
    },
  );

  it.each(Object.entries(RECORD_ATTACKS))(
    'in .claude-harness, by %s (--no-sandbox): never followed, reported, replaced',
    async (_name, attack) => {
      await using work = await tempDir('ch-links-');
      await using config = await tempDir('ch-cfg-');
      const { run, events, outside, outsideNow, projectDir, bodies } = await runAttack(attack, {
        sandbox: false,
        work: work.path,
        config: config.path,
      });
      expect(run.code, run.stderr).toBe(0);
      expect(outsideNow).toEqual(OUTSIDE);
      expectNothingOutsideReachedTheModel(bodies);
      const links = events.filter((e) => e.type === 'tamper' && e.linkTarget !== undefined);
      expect(links.map((e) => [e.file, e.linkTarget]).sort()).toEqual(
        [
          ['.claude-harness/events.jsonl', join(outside, 'victim-events.log')],
          ['.claude-harness/features.json', join(outside, 'victim-features.json')],
        ].sort(),
      );
      expect(run.stdout).toContain(`⛔ .claude-harness/events.jsonl was a symbolic link to "${outside}/`);
      // The ledger came back from the project's list and the proofs: F001's proof still counts.
      expect(run.stdout).toMatch(/↺ features\.json could not be read \(it was deleted, .*\); recovered from/);
      for (const file of ['events.jsonl', 'features.json']) {
        expect((await lstat(join(projectDir, '.claude-harness', file))).isFile()).toBe(true);
      }
      const owned = JSON.parse(await readFile(join(projectDir, '.claude-harness', 'features.json'), 'utf8'));
      expect(owned.map((f: { passes: boolean }) => f.passes)).toEqual([true, true]);
      // The journal goes on after the link: the run's end is in it.
      expect(events.at(-1)).toMatchObject({ type: 'run_end', exitCode: 0 });
    },
  );
});
