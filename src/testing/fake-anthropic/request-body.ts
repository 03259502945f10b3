/**
 * Reading the JSON body of a Messages API request. Clients send more shapes than the SDK types admit (Claude
 * Code puts `role: "system"` messages into `messages`, server tools have no `name`), so every accessor here
 * tolerates anything and never throws.
 */

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses a request body; throws when it is not JSON or not a JSON object (the message names which). */
export function parseRequestBody(raw: string): JsonObject {
  const parsed: unknown = JSON.parse(raw);
  if (!isObject(parsed)) throw new Error('the body is not a JSON object');
  return parsed;
}

/** The text of string content, or of the text blocks of block content joined by newlines. */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((b): b is JsonObject => isObject(b) && b.type === 'text' && typeof b.text === 'string')
    .map((b) => b.text as string)
    .join('\n');
}

/** The messages that are objects; anything else in `messages` is skipped. */
export function messagesOf(body: JsonObject): JsonObject[] {
  return Array.isArray(body.messages) ? body.messages.filter(isObject) : [];
}

/** Tool names the request offers; a server tool without a `name` shows as its `type`. */
export function toolNamesOf(body: JsonObject): string[] {
  if (!Array.isArray(body.tools)) return [];
  return body.tools
    .filter(isObject)
    .map((t) => (typeof t.name === 'string' ? t.name : String(t.type ?? '?')));
}
