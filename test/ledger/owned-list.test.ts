import { describe, expect, it } from 'vitest';
import type { IdentifiedFeature } from '../../src/ledger/feature-list.js';
import { reconcileFeatureList } from '../../src/ledger/owned-list.js';

const owned: IdentifiedFeature[] = [
  { id: 'F001', category: 'functional', description: 'add a todo', steps: ['type', 'enter'], passes: true },
  { id: 'F002', category: 'functional', description: 'delete a todo', steps: ['click x'], passes: false },
  { id: 'F003', category: 'style', description: 'dark mode', steps: ['toggle'], passes: false },
];
const text = (features: unknown) => JSON.stringify(features);
const edit = (patch: (list: IdentifiedFeature[]) => void) => {
  const copy = owned.map((f) => ({ ...f, steps: [...f.steps] }));
  patch(copy);
  return text(copy);
};

describe('reconcileFeatureList', () => {
  it('accepts the assigned feature going to passing, and nothing else changed', () => {
    const result = reconcileFeatureList(
      owned,
      edit((l) => ((l[1] as IdentifiedFeature).passes = true)),
      'F002',
    );
    expect(result.assignedPassed).toBe(true);
    expect(result.tampering).toEqual([]);
    expect(result.features.map((f) => f.passes)).toEqual([true, true, false]);
  });

  it('refuses another feature flipped, and keeps the harness value', () => {
    const result = reconcileFeatureList(
      owned,
      edit((l) => ((l[2] as IdentifiedFeature).passes = true)),
      'F002',
    );
    expect(result.assignedPassed).toBe(false);
    expect(result.tampering).toEqual(['F003\'s "passes" was set to true']);
    expect(result.features[2]?.passes).toBe(false);
  });

  it('reports rewording, changed steps, removal, additions and reordering', () => {
    const list = owned.map((f) => ({ ...f }));
    list[0] = { ...(list[0] as IdentifiedFeature), description: 'add a todo quickly', steps: ['x'] };
    const reordered = [list[2], list[0], { category: 'x', description: 'new', steps: ['s'], passes: true }];
    const result = reconcileFeatureList(owned, text(reordered), 'F002');
    expect(result.tampering).toEqual([
      'F001 was reworded',
      "F001's steps were changed",
      'F002 was removed',
      '1 entries were added',
      'the entries were reordered',
    ]);
    expect(result.features).toEqual(owned);
  });

  it('restores a deleted or broken list', () => {
    expect(reconcileFeatureList(owned, undefined, 'F002').tampering[0]).toMatch(/deleted/);
    expect(reconcileFeatureList(owned, '[{', 'F002').tampering[0]).toMatch(/not valid JSON.*restored/);
  });

  it('refuses even the assigned flip when the harness does not accept it', () => {
    const result = reconcileFeatureList(
      owned,
      edit((l) => ((l[1] as IdentifiedFeature).passes = true)),
      'F002',
      false,
    );
    expect(result.assignedPassed).toBe(false);
    expect(result.tampering).toHaveLength(1);
  });
});
