import { describe, expect, it } from 'vitest';
import { loadPrompt, renderTemplate } from '../../src/session/prompts.js';

describe('prompts', () => {
  it('fills placeholders', () => {
    expect(renderTemplate('make {{n}} features for {{app}}', { n: 3, app: 'x' })).toBe(
      'make 3 features for x',
    );
  });

  it('refuses a placeholder with no value', () => {
    expect(() => renderTemplate('{{missing}}', {})).toThrow(/\{\{missing\}\} has no value/);
  });

  it('loads the shipped initializer prompt with the feature count', async () => {
    const prompt = await loadPrompt('initializer', { featureCount: 42 });
    expect(prompt).toContain('about 42 end-to-end features');
    expect(prompt).toContain('feature_list.json');
    expect(prompt).not.toMatch(/\{\{/);
  });
});
