/**
 * `docker`: containers may run, but not with host paths mounted, host namespaces or extra privileges; a
 * container with the host's root file system is the host. Compose files are not read (see docs/policy.md).
 */
import type { Denial, Word } from '../model.js';
import { denial, type Rule, shown } from './context.js';
import { checkPath } from './paths.js';

const RUN_VALUE_OPTIONS = new Set(
  (
    '-e --env --env-file -p --publish -P --name -w --workdir -u --user --entrypoint -l --label --label-file ' +
    '--network --net -m --memory --memory-swap --cpus --cpu-shares -c --restart --hostname -h --add-host --dns ' +
    '--dns-search --mount -v --volume --tmpfs --platform --pull --log-driver --log-opt --stop-signal ' +
    '--stop-timeout --health-cmd --health-interval --health-retries --health-timeout --device --cap-add ' +
    '--cap-drop --security-opt --ulimit --shm-size --ipc --pid --uts --userns --cgroupns --volumes-from ' +
    '--link --expose --gpus --runtime --cidfile --domainname --mac-address --ip --ip6 --network-alias ' +
    '--sysctl --storage-opt --isolation --group-add --detach-keys --attach -a --env-file --annotation'
  ).split(' '),
);
const HOST_NAMESPACES = new Set(['--pid', '--network', '--net', '--ipc', '--uts', '--userns', '--cgroupns']);
const NEVER = new Set([
  '--privileged',
  '--cap-add',
  '--device',
  '--security-opt',
  '--volumes-from',
  '--runtime',
]);
const COMPOSE_ALLOWED = new Set([
  'up',
  'down',
  'ps',
  'logs',
  'build',
  'stop',
  'start',
  'restart',
  'pull',
  'config',
  'ls',
  'images',
  'top',
  'version',
  'exec',
]);

export const dockerRule: Rule = (call, context) => {
  const args = call.args;
  let index = 0;
  for (; index < args.length; index++) {
    const text = (args[index] as Word).value;
    if (!text.startsWith('-')) break;
    if (['-H', '--host', '--context', '-c'].includes(text) || /^--(host|context)=/.test(text)) {
      return denial('docker-host', `docker ${text} talks to another docker host: use the local one.`);
    }
    if (['--config', '-l', '--log-level', '--tlscacert', '--tlscert', '--tlskey'].includes(text)) index += 1;
  }
  let subcommand = args[index];
  if (subcommand === undefined) return undefined;
  if (subcommand.dynamic)
    return denial(
      'docker-dynamic',
      `docker ${shown(subcommand)}: the sub-command is only known when the shell runs.`,
    );
  let name = subcommand.value;
  if (name === 'container' || name === 'image') {
    index += 1;
    subcommand = args[index];
    if (subcommand === undefined) return undefined;
    name = subcommand.value;
    if (name === 'ls' || name === 'list' || name === 'prune') return undefined;
  }
  const table = context.policy.subcommands.docker;
  const refused = table.deny[name];
  if (refused !== undefined)
    return denial('docker-subcommand', `\`docker ${name}\` is refused: it ${refused}.`);
  if (!table.allow.includes(name)) {
    return denial(
      'docker-subcommand',
      `\`docker ${name}\` is not a docker command the policy knows: use run, ps, logs, build, exec, stop…`,
    );
  }
  const rest = args.slice(index + 1);
  if (name === 'run' || name === 'create' || name === 'exec') return containerOptions(rest, name);
  if (name === 'volume' && rest[0]?.value === 'create') {
    // `--opt o=bind --opt device=/etc` makes a "named" volume that is a host path.
    const option = rest.find((word) => /^(-o|--opt)(=|$)/.test(word.value));
    if (option !== undefined) {
      return denial(
        'docker-host-mount',
        '`docker volume create --opt` can bind a host path into the volume: create the volume without options.',
      );
    }
  }
  if (name === 'build' || name === 'buildx') {
    for (let at = 0; at < rest.length; at++) {
      const text = (rest[at] as Word).value;
      const output = /^(?:-o|--output)(?:=(.*))?$/.exec(text);
      if (output === null) continue;
      const value = output[1] ?? rest[at + 1]?.value ?? '';
      const destination = /(?:^|,)dest=([^,]+)/.exec(value)?.[1] ?? (value.includes('=') ? undefined : value);
      if (destination === undefined) continue;
      const word = {
        source: destination,
        value: destination,
        dynamic: false,
        glob: false,
        pattern: destination,
        tilde: destination.startsWith('~'),
      };
      const found = checkPath(context, call, word, 'write', 'docker build --output', 'docker');
      if (found !== undefined) return found;
    }
  }
  if (name === 'compose') {
    const action = rest.find((word) => !word.value.startsWith('-'));
    if (action !== undefined && !COMPOSE_ALLOWED.has(action.value)) {
      return denial(
        'docker-compose',
        `\`docker compose ${action.value}\` is not allowed: use up, down, ps, logs, build, exec…`,
      );
    }
  }
  return undefined;
};

function containerOptions(args: readonly Word[], subcommand: string): Denial | undefined {
  for (let index = 0; index < args.length; index++) {
    const word = args[index] as Word;
    const text = word.value;
    if (!text.startsWith('-')) return undefined; // the image (or container); what follows runs inside it
    const equals = text.indexOf('=');
    let name = equals === -1 ? text : text.slice(0, equals);
    let value = equals === -1 ? undefined : text.slice(equals + 1);
    if (/^-v./.test(text) && equals === -1) {
      name = '-v';
      value = text.slice(2);
    }
    if (value === undefined && RUN_VALUE_OPTIONS.has(name)) value = args[++index]?.value;
    if (NEVER.has(name)) {
      return denial(
        'docker-privileged',
        `docker ${subcommand} ${name} gives the container power over the host: leave it out.`,
      );
    }
    if (HOST_NAMESPACES.has(name) && value?.startsWith('container:')) {
      return denial(
        'docker-host-namespace',
        `docker ${subcommand} ${name}=${value} joins another container's ${name.slice(2)}: leave it out.`,
      );
    }
    if (HOST_NAMESPACES.has(name) && value === 'host') {
      return denial(
        'docker-host-namespace',
        `docker ${subcommand} ${name}=host shares the host's ${name.slice(2)} with the container: leave it out.`,
      );
    }
    if ((name === '-v' || name === '--volume') && value !== undefined) {
      const source = value.split(':')[0] ?? '';
      if (value.includes(':') && /^[/.~$]|\//.test(source)) {
        return denial(
          'docker-host-mount',
          `docker ${subcommand} -v ${value} mounts a host path into the container: use a named volume (\`-v data:/data\`) or copy files in the image.`,
        );
      }
    }
    if (
      name === '--mount' &&
      value !== undefined &&
      (/(?:^|,)type=bind/.test(value) ||
        /(?:^|,)(?:source|src)=[/.~]/.test(value) ||
        /(?:^|,)volume-opt=/.test(value))
    ) {
      return denial(
        'docker-host-mount',
        `docker ${subcommand} --mount ${value} mounts a host path: use a named volume.`,
      );
    }
  }
  return undefined;
}
