import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCodingPrompt } from '../../src/session/coding-prompt.js';

const feature = {
  id: 'F007',
  category: 'functional',
  description: 'A user can add a todo',
  steps: ['Step 1: open the app', 'Step 2: type a title and press Enter'],
};

describe('buildCodingPrompt', () => {
  it('carries the feature, its steps, earlier attempts, standing, git log and progress tail', async () => {
    const prompt = await buildCodingPrompt({
      feature,
      attempts: [{ session: 3, outcome: 'failed', reason: 'idle timeout after 10 min' }],
      passing: 6,
      total: 20,
      gitLog: ['abc1234 feat: list todos'],
      progressTail: `${'old line\n'.repeat(50)}last note`,
    });
    expect(prompt).toContain('make feature F007 work');
    expect(prompt).toContain('A user can add a todo');
    expect(prompt).toContain('1. open the app\n2. type a title and press Enter');
    expect(prompt).toContain('Session 3: failed — idle timeout after 10 min');
    expect(prompt).toContain('Features passing: 6 of 20');
    expect(prompt).toContain('abc1234 feat: list todos');
    expect(prompt).toContain('last note');
    expect(prompt.split('old line').length - 1).toBeLessThan(30);
  });

  it('puts harness notices first and uses a project template when given', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ch-prompts-'));
    await writeFile(join(dir, 'coding.md'), 'Custom: {{featureId}} {{description}}');
    const prompt = await buildCodingPrompt({
      feature,
      attempts: [],
      passing: 0,
      total: 1,
      gitLog: [],
      progressTail: '',
      notices: ['F002 failed its regression check'],
      promptsDir: dir,
    });
    expect(prompt).toBe(
      '> **Note from the harness:** F002 failed its regression check\n\nCustom: F007 A user can add a todo',
    );
  });
});
