import { describe, expect, it } from 'vitest';
import { substitute, substituteDeep } from '../../../src/testing/fake-anthropic/variables.js';

describe('variables', () => {
  it('replaces {{name}} and leaves other braces alone', () => {
    const problems: string[] = [];
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell-style ${…} that must stay literal
    const text = substitute('{{dir}}/{{ dir }} ${dir} {dir} {{ a: 1 }}', { dir: '/p' }, 'here', problems);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: as above
    expect(text).toBe('/p//p ${dir} {dir} {{ a: 1 }}');
    expect(problems).toEqual([]);
  });

  it('leaves an unknown name in place and reports where it was', () => {
    const problems: string[] = [];
    expect(substitute('cd {{nope}}', {}, 'turn 1', problems)).toBe('cd {{nope}}');
    expect(problems).toEqual(["unknown variable {{nope}} in turn 1; pass it in the server's variables"]);
  });

  it('substitutes every string inside a tool input, not the keys', () => {
    const input = { '{{dir}}': ['{{dir}}/a', 2, { deep: '{{dir}}' }], flag: true, none: null };
    expect(substituteDeep(input, { dir: '/p' }, 'input', [])).toEqual({
      '{{dir}}': ['/p/a', 2, { deep: '/p' }],
      flag: true,
      none: null,
    });
  });

  it('treats names of built-in object properties as unknown', () => {
    const problems: string[] = [];
    expect(substitute('{{constructor}} {{toString}}', {}, 'turn 1', problems)).toBe(
      '{{constructor}} {{toString}}',
    );
    expect(problems).toHaveLength(2);
  });
});
