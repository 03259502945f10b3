import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundledAssetPath, type PromptName, promptAsset } from '../assets/bundled.js';

/** Prompt templates ship in the package's `prompts/` folder as markdown with `{{name}}` placeholders. */
export type { PromptName };

/**
 * Loads a template, from `promptsDir` when the project overrides it (`--prompts-dir` or `promptsDir` in the
 * config file), else the one shipped in the package, and fills its placeholders.
 */
export async function loadPrompt(
  name: PromptName,
  variables: Record<string, string | number>,
  promptsDir?: string,
): Promise<string> {
  return renderTemplate(await readTemplate(name, promptsDir), variables);
}

async function readTemplate(name: PromptName, promptsDir: string | undefined): Promise<string> {
  if (promptsDir !== undefined) {
    try {
      return await readFile(join(promptsDir, `${name}.md`), 'utf8');
    } catch (error) {
      // A project overrides only the templates it wants to change.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return readFile(bundledAssetPath(promptAsset(name)), 'utf8');
}

/** Replaces `{{name}}`; a placeholder with no value is a bug in the template, so it throws. */
export function renderTemplate(template: string, variables: Record<string, string | number>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_match, key: string) => {
    const value = Object.hasOwn(variables, key) ? variables[key] : undefined;
    if (value === undefined) throw new Error(`Prompt template placeholder {{${key}}} has no value.`);
    return String(value);
  });
}
