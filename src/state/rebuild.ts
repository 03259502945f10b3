/**
 * A state rebuilt from the events journal, for when state.json and its last good copy are both unreadable.
 * The journal has every session's start and end (outcome, reason, cost), every skip and every reset, so
 * sessions, attempts, skips, the failure streak and the totals come back as they were; token counts and
 * turn counts are not in it and start from zero. Feature ids come from the journal and the ledger, so none
 * is ever issued twice.
 */

import { MODES, type Mode } from '../config/types.js';
import { featureNumber } from '../ledger/feature-list.js';
import type { EventRecord } from './events.js';
import {
  type EndedOutcome,
  type FeatureRecord,
  freshState,
  type HarnessState,
  SESSION_OUTCOMES,
  type SessionRecord,
} from './schema.js';

export function rebuildState(events: readonly EventRecord[], issuedIds: readonly string[]): HarnessState {
  const state = freshState();
  const at = (e: EventRecord) => (typeof e.at === 'string' && e.at !== '' ? e.at : new Date(0).toISOString());
  const ids = new Set(issuedIds);
  for (const event of events) {
    switch (event.type) {
      case 'run_start': {
        const mode = MODES.includes(event.mode as Mode) ? (event.mode as Mode) : 'greenfield';
        const model = typeof event.model === 'string' && event.model !== '' ? event.model : 'unknown';
        state.run =
          state.run === null
            ? { startedAt: at(event), lastStartedAt: at(event), starts: 1, mode, model, specPath: null }
            : { ...state.run, lastStartedAt: at(event), starts: state.run.starts + 1, mode, model };
        break;
      }
      case 'session_start': {
        const number = positiveInt(event.session);
        if (number === undefined || state.sessions.some((s) => s.number === number)) break;
        const kind = event.kind === 'coding' ? 'coding' : 'initializer';
        const featureId =
          typeof event.featureId === 'string' && event.featureId !== '' ? event.featureId : undefined;
        const session: SessionRecord = {
          number,
          kind,
          attempt: 1,
          startedAt: at(event),
          outcome: 'running',
          costUsd: 0,
          tokens: { input: 0, output: 0 },
          turns: 0,
          // Not in the journal; the process that rebuilt the state stands in.
          harnessPid: process.pid,
        };
        if (featureId !== undefined) {
          session.featureId = featureId;
          ids.add(featureId);
          session.attempt = (state.features[featureId]?.attempts.length ?? 0) + 1;
        } else {
          session.attempt =
            state.sessions.filter((s) => s.kind === kind && s.featureId === undefined).length + 1;
        }
        state.sessions.push(session);
        state.totals.sessions += 1;
        break;
      }
      case 'session_end': {
        const session = state.sessions.find((s) => s.number === positiveInt(event.session));
        if (session === undefined || session.outcome !== 'running') break;
        const outcome = endedOutcome(event.outcome);
        session.outcome = outcome;
        session.endedAt = at(event);
        const reason = typeof event.reason === 'string' ? event.reason : undefined;
        if (reason !== undefined) session.reason = reason;
        const cost = typeof event.costUsd === 'number' && event.costUsd >= 0 ? event.costUsd : 0;
        session.costUsd = cost;
        state.totals.costUsd += cost;
        if (outcome === 'passed') state.consecutiveFailedSessions = 0;
        else if (outcome !== 'interrupted') state.consecutiveFailedSessions += 1;
        if (session.featureId !== undefined) {
          const record = featureRecord(state, session.featureId);
          if (!record.attempts.some((a) => a.session === session.number)) {
            record.attempts.push({
              session: session.number,
              outcome,
              at: at(event),
              ...(reason === undefined ? {} : { reason }),
            });
          }
        }
        break;
      }
      case 'feature_skipped': {
        if (typeof event.featureId !== 'string') break;
        const record = featureRecord(state, event.featureId);
        record.skipped = {
          reason: typeof event.reason === 'string' ? event.reason : 'skipped',
          at: at(event),
        };
        break;
      }
      case 'features_reset': {
        if (!Array.isArray(event.ids)) break;
        for (const id of event.ids) if (typeof id === 'string') state.features[id] = { attempts: [] };
        break;
      }
    }
  }
  // A session whose end is not in the journal stays `running`: the resume marks it interrupted, and a
  // session of this run still gets its own end.
  for (const id of [...ids, ...Object.keys(state.features)]) {
    state.lastFeatureNumber = Math.max(state.lastFeatureNumber, featureNumber(id));
  }
  return state;
}

function featureRecord(state: HarnessState, id: string): FeatureRecord {
  const record = state.features[id] ?? { attempts: [] };
  state.features[id] = record;
  return record;
}

function positiveInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

function endedOutcome(value: unknown): EndedOutcome {
  return typeof value === 'string' &&
    value !== 'running' &&
    (SESSION_OUTCOMES as readonly string[]).includes(value)
    ? (value as EndedOutcome)
    : 'interrupted';
}
