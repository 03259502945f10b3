/** The docs are hand-written; these checks keep them in step with the settings table and the exit codes. */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { PROJECT_CONFIG_KEYS } from '../../src/config/schema.js';
import { flagSyntax, MAX_TIMER_MINUTES, runSettings } from '../../src/config/settings.js';
import { ExitCode } from '../../src/errors/index.js';

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

describe('docs', () => {
  it('cli.md lists every run flag with its default', async () => {
    const text = await doc('cli.md');
    for (const setting of runSettings()) {
      const row = tableRow(text, `\`${flagSyntax(setting)}\``);
      expect(row, setting.flag).toBeDefined();
      expect(row?.[1], setting.flag).toContain(setting.defaultText ?? 'required');
    }
    expect(text).toContain(String(MAX_TIMER_MINUTES));
    for (const command of ['## `demo`', '## `fake-model`', '--scenario <file>', '--port <n>', '--version']) {
      expect(text).toContain(command);
    }
  });

  it('config.md lists every key of claude-harness.json with its flag and default', async () => {
    const text = await doc('config.md');
    for (const key of PROJECT_CONFIG_KEYS) expect(tableRow(text, `\`${key}\``), key).toBeDefined();
    for (const setting of runSettings().filter((candidate) => candidate.inFile)) {
      const row = tableRow(text, `\`${setting.key}\``);
      expect(row?.[1], setting.key).toBe(`\`--${setting.flag}\``);
      if (setting.defaultText !== null) expect(row?.[3], setting.key).toContain(setting.defaultText);
    }
  });

  it('exit-codes.md matches ExitCode', async () => {
    const text = await doc('exit-codes.md');
    const rows = text.split('\n').filter((line) => /^\| \d+\s+\|/.test(line));
    expect(rows).toHaveLength(Object.keys(ExitCode).length);
    for (const [name, code] of Object.entries(ExitCode)) {
      expect(tableRow(text, String(code))?.[1], name).toBe(`\`${name}\``);
    }
  });
});
