import { useState } from 'react';
import { withQuery } from '../api-client';
import { ProblemNote } from '../components/ui';
import { Table } from '../components/table';
import { useI18n } from '../i18n/i18n';
import { href } from '../router';
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

export function TicketsPage() {
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
          { header: t('tickets.id'), cell: (k) => k.id },
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
