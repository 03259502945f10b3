import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { handleInterrupts, STOPPING_MESSAGE } from '../../src/cli/signals.js';
import { InterruptedError } from '../../src/errors/index.js';

function setup(notice?: () => ((text: string) => void) | undefined) {
  const source = new EventEmitter();
  const controller = new AbortController();
  let written = '';
  const err = new Writable({
    write(chunk, _encoding, callback) {
      written += String(chunk);
      callback();
    },
  });
  const exits: number[] = [];
  const dispose = handleInterrupts({
    source,
    controller,
    err,
    exit: (code) => exits.push(code),
    ...(notice ? { notice } : {}),
  });
  return { source, controller, exits, dispose, written: () => written };
}

describe('handleInterrupts', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('%s once aborts the run, twice exits with 130', (name) => {
    const s = setup();
    s.source.emit(name);
    expect(s.controller.signal.aborted).toBe(true);
    expect(s.controller.signal.reason).toBeInstanceOf(InterruptedError);
    expect(s.written()).toBe(`${STOPPING_MESSAGE}\n`);
    expect(s.exits).toEqual([]);

    s.source.emit(name);
    expect(s.exits).toEqual([130]);
    expect(s.written()).toBe(`${STOPPING_MESSAGE}\n`);
  });

  it('says how to stop at once', () => {
    expect(STOPPING_MESSAGE).toBe('Stopping… press Ctrl+C again to exit now');
  });

  it('gives the notice to whoever took it (the live view), and to stderr again once given back', () => {
    let taker: ((text: string) => void) | undefined;
    const taken: string[] = [];
    taker = (text) => taken.push(text);
    const s = setup(() => taker);
    s.source.emit('SIGINT');
    expect(taken).toEqual([`${STOPPING_MESSAGE}\n`]);
    expect(s.written()).toBe('');

    taker = undefined;
    const again = setup(() => taker);
    again.source.emit('SIGTERM');
    expect(again.written()).toBe(`${STOPPING_MESSAGE}\n`);
  });

  it('removes its listeners when disposed', () => {
    const s = setup();
    expect(s.source.listenerCount('SIGINT')).toBe(1);
    s.dispose();
    expect(s.source.listenerCount('SIGINT')).toBe(0);
    expect(s.source.listenerCount('SIGTERM')).toBe(0);
  });
});
