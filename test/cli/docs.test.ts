/** The docs are hand-written; these checks keep them in step with the settings table and the exit codes. */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { FILE_SECTIONS, PROJECT_CONFIG_KEYS } from '../../src/config/schema.js';
import {
  fileKey,
  flagSyntax,
  MAX_TIMER_MINUTES,
  runSettings,
  takesNoValue,
} from '../../src/config/settings.js';
import {
  AuthError,
  ConfigError,
  EngineError,
  ExitCode,
  InterruptedError,
  UsageError,
} from '../../src/errors/index.js';
import { SecretsFoundError } from '../../src/guards/secrets/errors.js';
import {
  RecordUnrecoverableError,
  RunLockHeldError,
  StateLockError,
  StateVersionError,
  UnsafePathError,
} from '../../src/state/errors.js';
import { GitError } from '../../src/vcs/git.js';

async function doc(name: string): Promise<string> {
  return readFile(new URL(`../../docs/${name}`, import.meta.url), 'utf8');
}

/** The cells of the first table row whose first cell is `firstCell` (tables may be padded by the formatter). */
function tableRow(text: string, firstCell: string): string[] | undefined {
  return text
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    )
    .find((cells) => cells[0] === firstCell);
}

/** The text from the heading that starts with `heading` to the next heading. */
function section(text: string, heading: string): string | undefined {
  const start = text.indexOf(`\n${heading}`);
  if (start < 0) return undefined;
  const end = text.indexOf('\n#', start + heading.length);
  return text.slice(start, end < 0 ? undefined : end);
}

describe('docs', () => {
  it('cli.md lists every run flag with its default', async () => {
    const text = await doc('cli.md');
    for (const setting of runSettings()) {
      const row = tableRow(text, `\`${flagSyntax(setting)}\``);
      expect(row, setting.flag).toBeDefined();
      // A flag without a value is off unless given; its file key's default is in config.md. A setting with no
      // default is either required or simply not set.
      if (takesNoValue(setting)) expect(row?.[1], setting.flag).toContain('off');
      else if (setting.defaultText !== null) expect(row?.[1], setting.flag).toContain(setting.defaultText);
      else expect(row?.[1], setting.flag).toMatch(/required|none/);
    }
    expect(text).toContain(String(MAX_TIMER_MINUTES));
    for (const command of [
      '## `demo`',
      '## `doctor`',
      '## `skipped`',
      '## `status`',
      '## `report`',
      '## `policy check`',
      '## `policy show`',
      '## `fake-model`',
      '--out <file>',
      '--stdin',
      '--scenario <file>',
      '--port <n>',
      '--reset <ids...>',
      '--all',
      '--json',
      '--version',
    ]) {
      expect(text).toContain(command);
    }
  });

  it('config.md lists every key of claude-harness.json with its flag and default', async () => {
    const text = await doc('config.md');
    for (const key of PROJECT_CONFIG_KEYS) expect(tableRow(text, `\`${key}\``), key).toBeDefined();
    for (const setting of runSettings().filter((candidate) => candidate.inFile)) {
      const key = fileKey(setting);
      const row = tableRow(text, `\`${key}\``);
      expect(row?.[1], key).toBe(`\`--${setting.flag}\``);
      if (setting.defaultText !== null) expect(row?.[3], key).toContain(setting.defaultText);
    }
    // The sections no flag sets, each with its own heading.
    for (const name of Object.keys(FILE_SECTIONS)) {
      expect(tableRow(text, `\`${name}\``)?.[1], name).toBe('—');
      expect(text).toContain(`## \`${name}\``);
    }
  });

  it('exit-codes.md matches ExitCode', async () => {
    const text = await doc('exit-codes.md');
    const rows = text.split('\n').filter((line) => /^\| \d+\s+\|/.test(line));
    expect(rows).toHaveLength(Object.keys(ExitCode).length);
    for (const [name, code] of Object.entries(ExitCode)) {
      expect(tableRow(text, String(code))?.[1], name).toBe(`\`${name}\``);
    }
    // Each typed error is named under the exit code it uses.
    const errors = [
      new UsageError('x'),
      new ConfigError('x'),
      new AuthError('x'),
      new EngineError('x'),
      new InterruptedError(),
      new RecordUnrecoverableError('x', '/tmp/x'),
      new UnsafePathError('x'),
      new StateVersionError('x'),
      new StateLockError('x'),
      new RunLockHeldError('x', 1),
      new GitError('x'),
      new SecretsFoundError([]),
    ];
    for (const error of errors) {
      const own = section(text, `### ${error.exitCode} `);
      expect(own, `${error.name}: a section for exit code ${error.exitCode}`).toBeDefined();
      expect(own, error.name).toContain(`\`${error.name}\``);
    }
  });
});
