import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  assignIds,
  type Feature,
  formatFeatureId,
  readFeatureList,
  validateFeatureList,
  writeFeatureList,
} from '../../src/ledger/feature-list.js';

const feature = (description: string, extra: Partial<Feature> = {}): Feature => ({
  category: 'functional',
  description,
  steps: ['Step 1: open the app'],
  passes: false,
  ...extra,
});

function errorOf(value: unknown): string {
  const result = validateFeatureList(typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  if (result.ok) throw new Error('expected a validation error');
  return result.error;
}

describe('validateFeatureList', () => {
  it('accepts a list, keeping ids and unknown keys', () => {
    const list = [
      feature('Login', { id: 'F001', notes: 'keep me' }),
      feature('Logout', { category: 'security' }),
    ];
    expect(validateFeatureList(JSON.stringify(list))).toEqual({ ok: true, features: list });
  });

  it.each([
    [
      '',
      'feature_list.json is empty: it must be a JSON array of features, [{"category": …, "description": …}, …]',
    ],
    ['[]', 'feature_list.json is an empty list: it must hold at least one feature'],
    [
      '[\n  {"category": "functional",\n   "description": "x" "steps": []}\n]',
      "feature_list.json is not valid JSON at line 3, column 23: expected ',' or '}' after a value",
    ],
    ['[{"a": 1},]', "feature_list.json is not valid JSON at line 1, column 11: remove the comma before ']'"],
    [
      '{"features": []}',
      'feature_list.json must be a JSON array of features ([{"category": …}, …]), not an object',
    ],
  ])('rejects %j with one precise message', (text, message) => {
    expect(errorOf(text)).toBe(message);
  });

  it('names the entry (counted from 1, with its description) and the field', () => {
    const list: unknown[] = Array.from({ length: 11 }, (_, i) => feature(`Feature ${i + 1}`));
    list.push({ ...feature('User can log in'), steps: 'open the page' });
    expect(errorOf(list)).toBe(
      'feature_list.json, entry 12 ("User can log in"): "steps" must be a list of strings',
    );
  });

  it.each([
    [{ ...feature('A'), steps: ['ok', 3] }, 'entry 1 ("A"): "steps" must be a list of strings'],
    [
      { ...feature('A'), steps: [] },
      'entry 1 ("A"): "steps" must list at least one step that verifies the feature',
    ],
    [{ ...feature('A'), passes: 'no' }, 'entry 1 ("A"): "passes" must be true or false'],
    [
      { category: 'functional', steps: ['s'], passes: false },
      'entry 1: "description" is missing; it must be a non-empty string saying what the feature does',
    ],
    [
      { ...feature('A'), category: ' ' },
      'entry 1 ("A"): "category" must be a non-empty string such as "functional", "style", "enhancement", "bugfix"',
    ],
    [{ ...feature('A'), id: 7 }, 'entry 1 ("A"): "id" must be a non-empty string such as "F001"'],
    [
      'just text',
      'entry 1: must be an object with "category", "description", "steps", "passes", not a string ("just text")',
    ],
  ])('explains %j', (entry, message) => {
    expect(errorOf([entry])).toBe(`feature_list.json, ${message}`);
  });

  it('reports the first bad entry only', () => {
    const error = errorOf([feature('A'), { ...feature('B'), passes: 1 }, { ...feature('C'), steps: null }]);
    expect(error).toBe('feature_list.json, entry 2 ("B"): "passes" must be true or false');
  });

  it('shortens a long description in the label', () => {
    const long = 'x'.repeat(100);
    expect(errorOf([{ ...feature(long), passes: null }])).toContain(`entry 1 ("${'x'.repeat(59)}…")`);
  });
});

describe('assignIds', () => {
  it('numbers features F001, F002… in list order', () => {
    const ids = assignIds([feature('a'), feature('b'), feature('c')]).map((f) => f.id);
    expect(ids).toEqual(['F001', 'F002', 'F003']);
  });

  it('is stable: a second run changes nothing', () => {
    const once = assignIds([feature('a'), feature('b')]);
    expect(assignIds(once)).toEqual(once);
  });

  it('keeps existing ids and numbers new entries after the highest one', () => {
    const ids = assignIds([
      feature('new first'),
      feature('old', { id: 'F007' }),
      feature('enhancement', { id: 'ENH-1' }),
      feature('new last'),
    ]).map((f) => f.id);
    expect(ids).toEqual(['F008', 'F007', 'ENH-1', 'F009']);
  });

  it('renumbers the later of two entries sharing an id', () => {
    const ids = assignIds([feature('a', { id: 'F001' }), feature('b', { id: 'F001' }), feature('c')]).map(
      (f) => f.id,
    );
    expect(ids).toEqual(['F001', 'F002', 'F003']);
  });

  it('never reuses an id issued before, even if its feature was removed', () => {
    const ids = assignIds([feature('a', { id: 'F001' }), feature('b')], ['F001', 'F002', 'F003']).map(
      (f) => f.id,
    );
    expect(ids).toEqual(['F001', 'F004']);
  });

  it('puts the id first and keeps every other key', () => {
    const [first] = assignIds([feature('a', { priority: 'high' })]);
    expect(Object.keys(first ?? {})).toEqual([
      'id',
      'category',
      'description',
      'steps',
      'passes',
      'priority',
    ]);
  });

  it('formats ids beyond 999', () => {
    expect(formatFeatureId(1000)).toBe('F1000');
  });
});

describe('readFeatureList / writeFeatureList', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'feature-list-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports a missing file', async () => {
    expect(await readFeatureList(dir)).toEqual({
      ok: false,
      missing: true,
      error: 'feature_list.json does not exist in the project folder',
    });
  });

  it('writes 2-space JSON with a final newline and reads it back', async () => {
    const features = assignIds([feature('a'), feature('b', { passes: true })]);
    await writeFeatureList(dir, features);
    const text = await readFile(join(dir, 'feature_list.json'), 'utf8');
    expect(text).toBe(`${JSON.stringify(features, null, 2)}\n`);
    expect(text.split('\n')[2]).toBe('    "id": "F001",');
    expect(await readFeatureList(dir)).toEqual({ ok: true, features });
  });

  it('reads a file with a byte order mark', async () => {
    await writeFile(join(dir, 'feature_list.json'), `\ufeff${JSON.stringify([feature('a')])}`);
    expect((await readFeatureList(dir)).ok).toBe(true);
  });
});
