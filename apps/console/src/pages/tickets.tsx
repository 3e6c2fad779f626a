import { useState } from 'react';
import { withQuery } from '../api-client';
import { ActionForm, Field, ProblemNote, Section } from '../components/ui';
import { Table } from '../components/table';
import { useI18n } from '../i18n/i18n';
import { href } from '../router';
import { useSession } from '../session';
import { useApi } from '../use-api';

interface Ticket {
  id: string;
  channel: string;
  channelOrderId: string;
  sku: string | null;
  source: string;
  reason: string;
  summary: string | null;
  state: string;
  openedBy: string;
  openedAt: string;
  updatedAt: string;
}

const STATES = ['open', 'waiting-buyer', 'waiting-platform', 'resolved', 'rejected'];

interface TicketEvent {
  seq: number;
  type: string;
  from: string | null;
  to: string | null;
  action: { kind: string; ref: string } | null;
  note: string | null;
  actor: string;
  at: string;
}

export function TicketsPage({ id }: { id?: string }) {
  return id ? <TicketDetail id={id} /> : <TicketList />;
}

function TicketList() {
  const { t, dateTime, age } = useI18n();
  const [state, setState] = useState('open');
  const tickets = useApi<{ items: Ticket[] }>(withQuery('/v1/tickets', { state, limit: 200 }), {
    pollMs: 10_000,
  });
  const now = tickets.at?.getTime() ?? Date.now();
  return (
    <div>
      <h1>{t('tickets.title')}</h1>
      <div className="filters">
        <label>
          {t('orders.state')}
          <select value={state} onChange={(e) => setState(e.target.value)}>
            <option value="">{t('common.all')}</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ProblemNote problem={tickets.error} />
      <Table
        rows={tickets.data?.items ?? []}
        rowKey={(k) => k.id}
        columns={[
          { header: t('tickets.id'), cell: (k) => <a href={href('tickets', k.id)}>{k.id}</a> },
          {
            header: t('orders.order'),
            cell: (k) => (
              <a href={href('orders', k.channel, k.channelOrderId)}>{`${k.channel} ${k.channelOrderId}`}</a>
            ),
          },
          { header: t('orders.state'), cell: (k) => k.state },
          { header: t('tickets.reason'), cell: (k) => (k.summary ? `${k.reason}: ${k.summary}` : k.reason) },
          {
            header: t('tickets.openedAt'),
            cell: (k) =>
              `${dateTime(k.openedAt)} (${t('common.ago', { age: age(now - Date.parse(k.openedAt)) })})`,
          },
        ]}
      />
    </div>
  );
}

/** One ticket with every step and who took it; the roles that may handle tickets move it with a note. */
function TicketDetail({ id }: { id: string }) {
  const { t, dateTime } = useI18n();
  const session = useSession();
  const path = `/v1/tickets/${encodeURIComponent(id)}`;
  const ticket = useApi<Ticket & { resolution: string | null; events: TicketEvent[] }>(path);
  const [to, setTo] = useState('waiting-buyer');
  const [note, setNote] = useState('');
  const k = ticket.data;
  return (
    <div>
      <p>
        <a href={href('tickets')}>{t('common.back')}</a>
      </p>
      <h1>
        {t('tickets.id')} {id}
      </h1>
      <ProblemNote problem={ticket.error} />
      {k ? (
        <p>
          <a href={href('orders', k.channel, k.channelOrderId)}>{`${k.channel} ${k.channelOrderId}`}</a> ·{' '}
          {k.state} · {k.summary ? `${k.reason}: ${k.summary}` : k.reason}
          {k.resolution ? ` · ${k.resolution}` : ''}
        </p>
      ) : null}
      <Table
        rows={k?.events ?? []}
        rowKey={(e) => String(e.seq)}
        columns={[
          { header: t('sku.at'), cell: (e) => dateTime(e.at) },
          { header: t('orders.step'), cell: (e) => (e.to ? `${e.type}: ${e.from ?? ''} → ${e.to}` : e.type) },
          { header: t('sku.actor'), cell: (e) => e.actor },
          {
            header: t('sku.details'),
            cell: (e) =>
              [e.action ? `${e.action.kind} ${e.action.ref}` : '', e.note ?? ''].filter(Boolean).join(' · '),
          },
        ]}
      />
      {session.may('handleTickets') && k ? (
        <Section title={t('tickets.move')}>
          <ActionForm
            label={t('tickets.move')}
            onSubmit={async () => {
              await session.client.send('POST', `${path}/events`, { to, ...(note.trim() ? { note } : {}) });
              ticket.reload();
            }}
          >
            <Field label={t('orders.state')}>
              {(fieldId) => (
                <select id={fieldId} value={to} onChange={(e) => setTo(e.target.value)}>
                  {STATES.map((s) => (
                    <option key={s} value={s}>
                      {s}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label={t('recon.note')} hint={t('tickets.noteHint')}>
              {(fieldId) => (
                <input id={fieldId} value={note} onChange={(e) => setNote(e.target.value)} maxLength={2000} />
              )}
            </Field>
          </ActionForm>
        </Section>
      ) : null}
    </div>
  );
}
