/**
 * A small glob matcher for the path allowances of the secrets guard.
 *
 * Node's `path.matchesGlob` exists on Node 20.17+, but it is experimental there: its first call prints an
 * `ExperimentalWarning` on stderr, and its `*` does not match names starting with a dot. So we match
 * ourselves, with three wildcards only:
 * - `*` any run of characters inside one path segment (dot files included), never `/`;
 * - `?` exactly one character other than `/`;
 * - `**` as a whole segment: zero or more segments (`test/**` is everything under `test/`,
 *   `**\/fixtures/*.pem` a `.pem` directly in any `fixtures` folder). Elsewhere `**` acts as `*`.
 * Everything else is literal (no `[...]`, `{a,b}` or `!`). Paths and patterns use `/` and are relative to
 * the project folder; a leading `./` is ignored. A pattern without wildcards must equal the path.
 */

const cache = new Map<string, RegExp>();

/** True when the project-relative `path` matches `pattern`. */
export function matchesGlob(path: string, pattern: string): boolean {
  return compileGlob(pattern).test(normalizeRelative(path));
}

/** `./a//b\\c` → `a/b/c`. */
export function normalizeRelative(path: string): string {
  let result = path.replaceAll('\\', '/').replace(/\/{2,}/g, '/');
  while (result.startsWith('./')) result = result.slice(2);
  return result;
}

export function compileGlob(pattern: string): RegExp {
  const cached = cache.get(pattern);
  if (cached) return cached;
  const segments = normalizeRelative(pattern).split('/');
  let source = '';
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    if (segment === '**') {
      source += last ? '.*' : '(?:[^/]*/)*';
      return;
    }
    source += segmentSource(segment) + (last ? '' : '/');
  });
  const compiled = new RegExp(`^${source}$`, 'u');
  cache.set(pattern, compiled);
  return compiled;
}

function segmentSource(segment: string): string {
  const chars = Array.from(segment);
  let source = '';
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i] as string;
    if (char === '*') {
      while (chars[i + 1] === '*') i++;
      source += '[^/]*';
    } else if (char === '?') {
      source += '[^/]';
    } else {
      source += char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  return source;
}
