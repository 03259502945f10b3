/**
 * The files the CLI reads from its own package folder at run time (not from the project): the prompt
 * templates, the demo's spec and model script, and the config file's JSON Schema the docs point editors to.
 * package.json `files` must ship each one; `doctor` checks they are there (test/package-files.test.ts checks
 * the tarball).
 */
import { fileURLToPath } from 'node:url';

/** The package folder: this module is `dist/assets/bundled.js`. */
const PACKAGE_ROOT = new URL('../../', import.meta.url);

/** The prompt templates shipped in `prompts/`. */
export const PROMPT_NAMES = ['initializer', 'initializer-retry', 'coding', 'extend'] as const;
export type PromptName = (typeof PROMPT_NAMES)[number];

export interface BundledAsset {
  /** Relative to the package folder, with `/`. */
  path: string;
  /** What it is for, for `doctor`. */
  role: string;
}

export const DEMO_SCENARIO_ASSET = 'scenarios/demo.yaml';
export const DEMO_SPEC_ASSET = 'scenarios/demo-spec.md';
export const SCHEMA_ASSET = 'schema/claude-harness.schema.json';

export const BUNDLED_ASSETS: readonly BundledAsset[] = [
  ...PROMPT_NAMES.map((name) => ({ path: promptAsset(name), role: `the ${name} prompt template` })),
  { path: DEMO_SCENARIO_ASSET, role: 'the demo’s model script' },
  { path: DEMO_SPEC_ASSET, role: 'the demo’s spec' },
  { path: SCHEMA_ASSET, role: 'the config file’s JSON Schema' },
];

export function promptAsset(name: PromptName): string {
  return `prompts/${name}.md`;
}

/** The absolute path of a bundled file, in the installed package (or the clone). */
export function bundledAssetPath(path: string, root: URL = PACKAGE_ROOT): string {
  return fileURLToPath(new URL(path, root));
}
