/**
 * `curl` and `wget` reach only loopback and the hosts the policy allows, with no proxy, resolver or socket
 * tricks; files they save land in the project. `rsync` copies locally only.
 */
import type { Denial, Word } from '../model.js';
import { type CommandCall, denial, type Rule, type RuleContext, shown } from './context.js';
import { checkPath } from './paths.js';

/** Is `host` (a URL hostname, IPv6 in brackets) allowed by the policy? Loopback always is. */
export function hostAllowed(context: RuleContext, host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (/^127(\.\d{1,3}){3}$/.test(name) || name === '[::1]' || name === 'localhost') return true;
  return context.policy.allowHosts.some((allowed) => {
    const entry = allowed.toLowerCase();
    if (entry.startsWith('*.')) return name.endsWith(entry.slice(1)) && name.length > entry.length - 1;
    return name === entry || (entry === '::1' && name === '[::1]');
  });
}

/** The host a URL operand would reach, or a denial. */
function checkUrl(context: RuleContext, word: Word, command: string): Denial | undefined {
  if (word.dynamic) {
    return denial(
      `${command}-dynamic-url`,
      `${command} ${shown(word)}: the URL is only known when the shell runs, so its host cannot be checked. Write it out.`,
    );
  }
  const text = word.value;
  if (/[\\\s]/.test(text) || [...text].some((char) => char.charCodeAt(0) < 0x20)) {
    return denial(
      `${command}-url`,
      `${command} ${shown(word)}: the URL has characters that curl and the policy may read differently.`,
    );
  }
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(text)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') {
    return denial(`${command}-scheme`, `${command} ${shown(word)}: only http and https URLs are allowed.`);
  }
  let host: string;
  try {
    host = new URL(scheme === undefined ? `http://${text}` : text).hostname;
  } catch {
    return denial(`${command}-url`, `${command} ${shown(word)} is not a URL the policy can read.`);
  }
  const authority =
    (scheme === undefined ? text : text.slice(text.indexOf('//') + 2)).split(/[/?#]/)[0] ?? '';
  if (/[{}]|\[(?![0-9a-fA-F:]+\])/.test(authority)) {
    return denial(
      `${command}-url`,
      `${command} ${shown(word)}: URL globbing in the host is not allowed; name each URL.`,
    );
  }
  if (hostAllowed(context, host)) return undefined;
  return denial(
    `${command}-host`,
    `${command} to ${host} is not allowed: only localhost, 127.0.0.1 and [::1] (and the hosts in policy.allowHosts) may be reached. Test the app through its local server, e.g. \`curl -s http://localhost:3000/\`.`,
  );
}

const CURL_VALUE_SHORT = 'AbcCdDeEFHKmoPQrtTuUwxXyYz';
const CURL_VALUE_LONG = new Set(
  (
    'data data-raw data-binary data-urlencode data-ascii json header output output-dir request user user-agent ' +
    'referer cookie cookie-jar form form-string max-time connect-timeout retry retry-delay retry-max-time url ' +
    'upload-file dump-header write-out config proxy resolve connect-to cacert capath cert key key-type ' +
    'cert-type pass trace trace-ascii stderr range limit-rate max-filesize unix-socket abstract-unix-socket ' +
    'interface dns-servers doh-url preproxy socks4 socks4a socks5 socks5-hostname libcurl etag-save ' +
    'etag-compare hsts alt-svc expect100-timeout keepalive-time variable proxy-user oauth2-bearer quote ' +
    'continue-at time-cond max-redirs local-port proto proto-redir proto-default aws-sigv4 ciphers ' +
    'happy-eyeballs-timeout-ms noproxy telnet-option url-query'
  ).split(' '),
);
const CURL_DENIED: Record<string, string> = {
  '-x': 'sends the request through a proxy',
  '--proxy': 'sends the request through a proxy',
  '--preproxy': 'sends the request through a proxy',
  '--socks4': 'sends the request through a proxy',
  '--socks4a': 'sends the request through a proxy',
  '--socks5': 'sends the request through a proxy',
  '--socks5-hostname': 'sends the request through a proxy',
  '--resolve': 'maps the host name to another address',
  '--connect-to': 'connects to another host than the URL names',
  '--unix-socket': "talks to a local socket (such as docker's)",
  '--abstract-unix-socket': 'talks to a local socket',
  '-K': 'reads options (and URLs) from a file',
  '--config': 'reads options (and URLs) from a file',
  '--dns-servers': 'changes name resolution',
  '--doh-url': 'changes name resolution',
  '-Q': 'sends raw protocol commands',
  '--quote': 'sends raw protocol commands',
};
const CURL_WRITES = new Set([
  '-o',
  '--output',
  '-D',
  '--dump-header',
  '-c',
  '--cookie-jar',
  '--trace',
  '--trace-ascii',
  '--stderr',
  '--libcurl',
  '--etag-save',
  '--hsts',
  '--alt-svc',
]);

/** `curl`: loopback (or allowed hosts) only; files it writes stay in the project. */
export const curlRule: Rule = (call, context) => {
  const urls: Word[] = [];
  let remoteName = false;
  let outputDir = false;
  const args = call.args;
  for (let index = 0; index < args.length; index++) {
    const word = args[index] as Word;
    const text = word.value;
    if (text === '--') {
      urls.push(...args.slice(index + 1));
      break;
    }
    if (!text.startsWith('-') || text === '-') {
      urls.push(word);
      continue;
    }
    const options: Array<{ name: string; value?: Word }> = [];
    if (text.startsWith('--')) {
      const equals = text.indexOf('=');
      const name = equals === -1 ? text : text.slice(0, equals);
      if (equals !== -1) options.push({ name, value: { ...word, value: text.slice(equals + 1) } });
      else if (CURL_VALUE_LONG.has(name.slice(2))) {
        const value = args[++index];
        options.push(value === undefined ? { name } : { name, value });
      } else options.push({ name });
    } else {
      for (let at = 1; at < text.length; at++) {
        const letter = text[at] as string;
        if (CURL_VALUE_SHORT.includes(letter)) {
          const rest = text.slice(at + 1);
          const value = rest !== '' ? { ...word, value: rest } : args[++index];
          options.push(value === undefined ? { name: `-${letter}` } : { name: `-${letter}`, value });
          break;
        }
        options.push({ name: `-${letter}` });
      }
    }
    for (const { name, value } of options) {
      const refused = CURL_DENIED[name];
      if (refused !== undefined)
        return denial(
          'curl-option',
          `curl ${name} is not allowed: it ${refused}. Call the local server directly.`,
        );
      if (name === '--url' && value !== undefined) urls.push(value);
      if (CURL_WRITES.has(name) && value !== undefined && value.value !== '-') {
        const found = checkPath(context, call, value, 'write', `curl ${name}`, 'curl');
        if (found !== undefined) return found;
      }
      if (name === '--output-dir' && value !== undefined) {
        outputDir = true;
        const found = checkPath(context, call, value, 'write', 'curl --output-dir', 'curl');
        if (found !== undefined) return found;
      }
      if (name === '-O' || name === '--remote-name' || name === '--remote-name-all' || name === '-J')
        remoteName = true;
    }
  }
  if (remoteName && !outputDir) {
    const found = checkPath(
      context,
      call,
      { source: '.', value: '.', dynamic: false, glob: false, pattern: '.', tilde: false },
      'write',
      'curl -O (saves in the working folder)',
      'curl',
    );
    if (found !== undefined) return found;
  }
  for (const url of urls) {
    const found = checkUrl(context, url, 'curl');
    if (found !== undefined) return found;
  }
  return undefined;
};

const WGET_VALUE_SHORT = 'OoaPieTtwQUlARDIXBY';
const WGET_WRITES = new Set([
  '-O',
  '--output-document',
  '-o',
  '--output-file',
  '-a',
  '--append-output',
  '-P',
  '--directory-prefix',
  '--save-cookies',
  '--warc-file',
]);
const WGET_DENIED: Record<string, string> = {
  '-i': 'reads URLs from a file the policy cannot see',
  '--input-file': 'reads URLs from a file the policy cannot see',
  '-e': 'runs wgetrc commands',
  '--execute': 'runs wgetrc commands',
  '--config': 'reads settings from a file',
  '--use-askpass': 'runs a password program',
  '-H': 'follows links to other hosts',
  '--span-hosts': 'follows links to other hosts',
};

/** `wget`: loopback (or allowed hosts) only, no host spanning; files it writes stay in the project. */
export const wgetRule: Rule = (call, context) => {
  const urls: Word[] = [];
  let savesInCwd = true;
  const args = call.args;
  for (let index = 0; index < args.length; index++) {
    const word = args[index] as Word;
    const text = word.value;
    if (!text.startsWith('-') || text === '-') {
      urls.push(word);
      continue;
    }
    let name = text;
    let value: Word | undefined;
    if (text.startsWith('--')) {
      const equals = text.indexOf('=');
      if (equals !== -1) {
        name = text.slice(0, equals);
        value = { ...word, value: text.slice(equals + 1) };
      } else if (
        [
          '--output-document',
          '--output-file',
          '--append-output',
          '--directory-prefix',
          '--save-cookies',
          '--warc-file',
          '--input-file',
          '--execute',
          '--config',
          '--header',
          '--user',
          '--password',
          '--post-data',
          '--post-file',
          '--load-cookies',
          '--user-agent',
          '--tries',
          '--timeout',
          '--level',
          '--accept',
          '--reject',
          '--domains',
          '--wait',
        ].includes(text)
      ) {
        value = args[++index];
      }
    } else if (text.length >= 2 && WGET_VALUE_SHORT.includes(text[1] as string)) {
      name = text.slice(0, 2);
      value = text.length > 2 ? { ...word, value: text.slice(2) } : args[++index];
    } else if (/^-[a-zA-Z]*H/.test(text)) name = '-H';
    const refused = WGET_DENIED[name];
    if (refused !== undefined) return denial('wget-option', `wget ${name} is not allowed: it ${refused}.`);
    if (WGET_WRITES.has(name) && value !== undefined && value.value !== '-') {
      if (name === '-O' || name === '--output-document' || name === '-P' || name === '--directory-prefix')
        savesInCwd = false;
      const found = checkPath(context, call, value, 'write', `wget ${name}`, 'wget');
      if (found !== undefined) return found;
    } else if ((name === '-O' || name === '--output-document') && value?.value === '-') savesInCwd = false;
  }
  if (savesInCwd && urls.length > 0) {
    const found = checkPath(
      context,
      call,
      { source: '.', value: '.', dynamic: false, glob: false, pattern: '.', tilde: false },
      'write',
      'wget (saves in the working folder)',
      'wget',
    );
    if (found !== undefined) return found;
  }
  for (const url of urls) {
    const found = checkUrl(context, url, 'wget');
    if (found !== undefined) return found;
  }
  return undefined;
};

/** `rsync`: local copies only; the destination is written, sources removed with --remove-source-files. */
export const rsyncRule: Rule = (call: CommandCall, context: RuleContext) => {
  const operands: Word[] = [];
  let removeSources = false;
  const valueOptions = new Set([
    '--exclude',
    '--include',
    '--filter',
    '-f',
    '--files-from',
    '--exclude-from',
    '--include-from',
    '--temp-dir',
    '-T',
    '--backup-dir',
    '--suffix',
    '--chmod',
    '--partial-dir',
    '--compare-dest',
    '--copy-dest',
    '--link-dest',
    '--max-size',
    '--min-size',
    '--timeout',
    '--bwlimit',
    '--info',
    '--debug',
    '-B',
    '--block-size',
    '--log-file',
    '--out-format',
    '--iconv',
  ]);
  for (let index = 0; index < call.args.length; index++) {
    const word = call.args[index] as Word;
    const text = word.value;
    if (!text.startsWith('-')) {
      operands.push(word);
      continue;
    }
    const name = text.includes('=') ? text.slice(0, text.indexOf('=')) : text;
    if (name === '-e' || name === '--rsh' || name === '--rsync-path' || /^-[a-zA-Z]*e$/.test(text)) {
      return denial('rsync-remote', `rsync ${name} runs a remote shell: rsync copies locally only.`);
    }
    if (name === '--remove-source-files') removeSources = true;
    if (name === '--log-file' || name === '--temp-dir' || name === '--backup-dir') {
      const value = text.includes('=')
        ? { ...word, value: text.slice(text.indexOf('=') + 1) }
        : call.args[index + 1];
      if (value !== undefined) {
        const found = checkPath(context, call, value, 'write', `rsync ${name}`, 'rsync');
        if (found !== undefined) return found;
      }
    }
    if (valueOptions.has(text)) index += 1;
  }
  for (const operand of operands) {
    if (operand.dynamic || /^[^/]*::|^rsync:\/\/|^[^/]*:/.test(operand.value)) {
      return denial(
        'rsync-remote',
        `rsync ${shown(operand)} names a remote host (or is only known at run time): rsync copies locally only.`,
      );
    }
  }
  if (operands.length < 2) return undefined;
  const destination = operands.at(-1) as Word;
  const found = checkPath(context, call, destination, 'write', 'rsync destination', 'rsync');
  if (found !== undefined) return found;
  if (removeSources) {
    for (const source of operands.slice(0, -1)) {
      const problem = checkPath(context, call, source, 'delete', 'rsync --remove-source-files', 'rsync');
      if (problem !== undefined) return problem;
    }
  }
  return undefined;
};
