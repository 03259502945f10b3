import { readFile } from 'node:fs/promises';

/** Prompt templates ship in the package's `prompts/` folder as markdown with `{{name}}` placeholders. */
export type PromptName = 'initializer';

const PROMPTS_DIR = new URL('../../prompts/', import.meta.url);

export async function loadPrompt(
  name: PromptName,
  variables: Record<string, string | number>,
): Promise<string> {
  const template = await readFile(new URL(`${name}.md`, PROMPTS_DIR), 'utf8');
  return renderTemplate(template, variables);
}

/** Replaces `{{name}}`; a placeholder with no value is a bug in the harness, so it throws. */
export function renderTemplate(template: string, variables: Record<string, string | number>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_match, key: string) => {
    const value = variables[key];
    if (value === undefined) throw new Error(`Prompt template placeholder {{${key}}} has no value.`);
    return String(value);
  });
}
