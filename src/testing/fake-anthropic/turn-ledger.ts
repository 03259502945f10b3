/**
 * Which scenario turns have been played and how often each turn's fault has fired. A turn counts as played
 * only once its whole response was written, so a faulted or cut-off attempt leaves it to be replayed.
 */

import type { Scenario } from './scenario.js';

export interface FakeAnthropicProgress {
  /** The session whose turn comes next, or `undefined` once no further turn is expected. */
  sessionIndex: number | undefined;
  sessionName: string | undefined;
  turnIndex: number | undefined;
  totalTurns: number;
  playedTurns: number;
  remainingTurns: number;
  /** Every turn of every session has been played. */
  done: boolean;
}

/** `session 2 "name" (of 3)`: the label failures and logs use. */
export function sessionLabel(scenario: Scenario, index: number): string {
  return `session ${index + 1} "${scenario.sessions[index]?.name ?? '?'}" (of ${scenario.sessions.length})`;
}

export class TurnLedger {
  readonly scenario: Scenario;
  readonly totalTurns: number;
  readonly #played: boolean[][];
  readonly #faultsFired: number[][];

  constructor(scenario: Scenario) {
    this.scenario = scenario;
    this.totalTurns = scenario.sessions.reduce((n, s) => n + s.turns.length, 0);
    this.#played = scenario.sessions.map((s) => s.turns.map(() => false));
    this.#faultsFired = scenario.sessions.map((s) => s.turns.map(() => 0));
  }

  /** The session exists and its first turn has not been delivered (a request for it is a retry). */
  firstTurnPending(session: number): boolean {
    return this.#played[session]?.[0] === false;
  }

  markPlayed(session: number, turn: number): void {
    const played = this.#played[session];
    if (played !== undefined) played[turn] = true;
  }

  /** Unplayed turns of one session (0 for a session that does not exist). */
  unplayedIn(session: number): number {
    return this.#played[session]?.filter((p) => !p).length ?? 0;
  }

  faultsFired(session: number, turn: number): number {
    return this.#faultsFired[session]?.[turn] ?? 0;
  }

  /** Counts one more firing of the turn's fault; returns the new count. */
  countFault(session: number, turn: number): number {
    const fired = this.faultsFired(session, turn) + 1;
    const counts = this.#faultsFired[session];
    if (counts !== undefined) counts[turn] = fired;
    return fired;
  }

  playedTurns(): number {
    return this.#played.reduce((n, s) => n + s.filter(Boolean).length, 0);
  }

  /**
   * `current` is the session most recently started (-1 before the first): the next turn is the one after its
   * last played turn, or the first turn of the next session once it is through.
   */
  progress(current: number): FakeAnthropicProgress {
    const playedTurns = this.playedTurns();
    const remainingTurns = this.totalTurns - playedTurns;
    let sessionIndex: number | undefined;
    let turnIndex: number | undefined;
    const played = current >= 0 ? this.#played[current] : undefined;
    const lastPlayed = played ? played.lastIndexOf(true) : -1;
    if (played !== undefined && lastPlayed + 1 < played.length) {
      sessionIndex = current;
      turnIndex = lastPlayed + 1;
    } else if (current + 1 < this.scenario.sessions.length) {
      sessionIndex = current + 1;
      turnIndex = 0;
    }
    return {
      totalTurns: this.totalTurns,
      playedTurns,
      remainingTurns,
      sessionIndex,
      sessionName: sessionIndex === undefined ? undefined : this.scenario.sessions[sessionIndex]?.name,
      turnIndex,
      done: remainingTurns === 0,
    };
  }

  /** `session 1 "x" (of 2) turn 2/3 was not played`, one per unplayed turn, in scenario order. */
  unplayedTurns(): string[] {
    const out: string[] = [];
    this.#played.forEach((played, s) => {
      played.forEach((isPlayed, t) => {
        if (!isPlayed)
          out.push(`${sessionLabel(this.scenario, s)} turn ${t + 1}/${played.length} was not played`);
      });
    });
    return out;
  }
}
