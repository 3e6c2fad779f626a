import fc from 'fast-check';
import type { AlertKind, AlertSeverity } from '@libs/messaging';
import {
  type AlertEvent,
  type AlertState,
  decide,
  type NotificationKind,
  type PolicyOptions,
  remind,
} from './alert-policy';

const HOUR = 3_600_000;
const options: PolicyOptions = { remindAfterMs: 4 * HOUR, oneShotKinds: new Set<AlertKind>(['DEAD_LETTER']) };
const now = () => new Date('2026-03-01T00:00:00Z');
const at = (minutes: number) => new Date(Date.UTC(2026, 2, 1, 0, minutes));

function change(
  type: 'raised' | 'resolved',
  minutes: number,
  severity: AlertSeverity = 'warning',
  kind: AlertKind = 'LOW_STOCK',
): AlertEvent {
  return { type, kind, key: 'S1', severity, summary: `${type} at ${minutes}`, labels: {}, at: at(minutes) };
}

/** Given these changes, when this one comes, then this message (or none). */
function given(events: AlertEvent[]) {
  let state: AlertState | undefined;
  for (const e of events) state = decide(state, e, options, now).state;
  return {
    when: (e: AlertEvent) => ({
      then: (expected: NotificationKind | null) => {
        const d = decide(state, e, options, now);
        expect(d.notify).toBe(expected);
        return d;
      },
    }),
  };
}

describe('alert policy', () => {
  describe('when the alert is not open', () => {
    it('a raise sends raised (a crossing)', () => void given([]).when(change('raised', 1)).then('raised'));
    it('a raise after a resolve sends raised again (a new crossing)', () =>
      void given([change('raised', 1), change('resolved', 2)])
        .when(change('raised', 3))
        .then('raised'));
    it('a resolve sends nothing', () => void given([]).when(change('resolved', 1)).then(null));
    it('a late raise, older than the resolve already seen, sends nothing', () =>
      void given([change('raised', 1), change('resolved', 5)])
        .when(change('raised', 3))
        .then(null));
  });

  describe('when the alert is open', () => {
    it('the same raise again (a redelivery) sends nothing', () =>
      void given([change('raised', 1)])
        .when(change('raised', 1))
        .then(null));
    it('a newer raise at the same severity only refreshes the summary', () => {
      const d = given([change('raised', 1)])
        .when(change('raised', 2))
        .then(null);
      expect(d.state.summary).toBe('raised at 2');
    });
    it('a rise to critical sends raised again: it got worse', () =>
      void given([change('raised', 1)])
        .when(change('raised', 2, 'critical'))
        .then('raised'));
    it('a resolve sends resolved once', () => {
      given([change('raised', 1)])
        .when(change('resolved', 2))
        .then('resolved');
      given([change('raised', 1), change('resolved', 2)])
        .when(change('resolved', 3))
        .then(null);
    });
  });

  describe('one-shot kinds (a dead letter)', () => {
    it('send raised once and never a resolved or a reminder', () => {
      const first = given([])
        .when(change('raised', 1, 'warning', 'DEAD_LETTER'))
        .then('raised');
      expect(first.state.open).toBe(false);
      given([change('raised', 1, 'warning', 'DEAD_LETTER')])
        .when(change('raised', 1, 'warning', 'DEAD_LETTER'))
        .then(null);
      expect(remind(first.state, at(10_000), options, false).notify).toBeNull();
    });
  });

  describe('reminders', () => {
    const open = decide(undefined, change('raised', 0), options, (_s) => at(0)).state;
    it('none before the interval', () => expect(remind(open, at(239), options, false).notify).toBeNull());
    it('one after it, and the next only an interval later', () => {
      const first = remind(open, at(240), options, false);
      expect(first.notify).toBe('reminder');
      expect(remind(first.state, at(241), options, false).notify).toBeNull();
      expect(remind(first.state, at(480), options, false).notify).toBe('reminder');
    });
    it('none for a non-critical alert in quiet hours, but still for a critical one', () => {
      expect(remind(open, at(300), options, true).notify).toBeNull();
      const critical = { ...open, severity: 'critical' as const };
      expect(remind(critical, at(300), options, true).notify).toBe('reminder');
    });
    it('none when reminders are off, or the alert is closed', () => {
      expect(remind(open, at(10_000), { ...options, remindAfterMs: 0 }, false).notify).toBeNull();
      expect(remind({ ...open, open: false }, at(10_000), options, false).notify).toBeNull();
    });
  });

  it('schedules each message at the time the schedule gives for its severity (quiet hours)', () => {
    const later = new Date('2026-03-01T08:00:00Z');
    const d = decide(undefined, change('raised', 1), options, (s) => (s === 'critical' ? at(1) : later));
    expect(d.dueAt).toEqual(later);
    // The reminder clock starts when the message is due, not when it was decided.
    expect(d.state.lastNotifiedAt).toEqual(later);
  });

  describe('properties over any sequence of changes, copies and late arrivals', () => {
    const changes = fc.array(
      fc.record({
        type: fc.constantFrom<'raised' | 'resolved'>('raised', 'resolved'),
        minute: fc.integer({ min: 0, max: 50 }),
        severity: fc.constantFrom<AlertSeverity>('info', 'warning', 'critical'),
      }),
      { maxLength: 40 },
    );
    const run = (events: AlertEvent[]) => {
      let state: AlertState | undefined;
      const sent: NotificationKind[] = [];
      for (const e of events) {
        const d = decide(state, e, options, now);
        state = d.state;
        if (d.notify) sent.push(d.notify);
      }
      return sent;
    };
    const toEvents = (list: { type: 'raised' | 'resolved'; minute: number; severity: AlertSeverity }[]) =>
      list.map((c) => change(c.type, c.minute, c.severity));

    it('every resolved follows a raised of the same opening, and no opening is resolved twice', () => {
      fc.assert(
        fc.property(changes, (list) => {
          let open = false;
          for (const n of run(toEvents(list))) {
            if (n === 'resolved') {
              expect(open).toBe(true);
              open = false;
            } else open = true;
          }
        }),
      );
    });

    it('delivering every change twice sends exactly what delivering it once sends', () => {
      fc.assert(
        fc.property(changes, (list) => {
          const once = toEvents(list);
          const twice = once.flatMap((e) => [e, e]);
          expect(run(twice)).toEqual(run(once));
        }),
      );
    });

    it('raised messages never outnumber the raises, and resolved never the openings', () => {
      fc.assert(
        fc.property(changes, (list) => {
          const sent = run(toEvents(list));
          const raised = sent.filter((n) => n === 'raised').length;
          const resolved = sent.filter((n) => n === 'resolved').length;
          expect(raised).toBeLessThanOrEqual(list.filter((c) => c.type === 'raised').length);
          expect(resolved).toBeLessThanOrEqual(raised);
        }),
      );
    });
  });
});
