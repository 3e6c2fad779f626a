import { useState } from 'react';
import { withQuery } from '../api-client';
import { ActionForm, Field, ProblemNote, Section } from '../components/ui';
import { Table } from '../components/table';
import { useI18n } from '../i18n/i18n';
import { href } from '../router';
import { useSession } from '../session';
import { useApi } from '../use-api';

interface OrderLine {
  sku: string;
  channel: string;
  channelOrderId: string;
  quantity: number;
  state: string;
  reason: string | null;
  placedAt: string;
  /** Card keys allocated to the order (unit ids, never the keys). */
  allocatedUnitIds?: string[] | null;
}

interface Step {
  step: string;
  sku: string;
  at: string;
  actor: string | null;
  version: number;
  eventId: string;
  [more: string]: unknown;
}

const STATES = [
  'reserved',
  'awaiting-keys',
  'forwarding',
  'confirmed',
  'delivered',
  'released',
  'expired',
  'rejected',
  'refunded',
];

/** A datetime-local field (the viewer's own time zone) as an instant for the API, or nothing when empty. */
function instant(local: string): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export function OrdersPage({ channel, orderId }: { channel?: string; orderId?: string }) {
  return channel && orderId ? <OrderDetail channel={channel} orderId={orderId} /> : <OrderSearch />;
}

function OrderSearch() {
  const { t, number, dateTime } = useI18n();
  const [sku, setSku] = useState('');
  const [channel, setChannel] = useState('');
  const [state, setState] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const orders = useApi<{ items: OrderLine[] }>(
    withQuery('/v1/orders', {
      sku: sku.trim(),
      channel: channel.trim(),
      state,
      from: instant(from),
      to: instant(to),
      limit: 200,
    }),
    { pollMs: 5000 },
  );
  return (
    <div>
      <h1>{t('orders.title')}</h1>
      <div className="filters" role="search">
        <label>
          SKU
          <input value={sku} onChange={(e) => setSku(e.target.value)} maxLength={64} />
        </label>
        <label>
          {t('sku.channel')}
          <input value={channel} onChange={(e) => setChannel(e.target.value)} maxLength={64} />
        </label>
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
        <label>
          {t('orders.from')}
          <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label>
          {t('orders.to')}
          <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
      </div>
      <ProblemNote problem={orders.error} />
      <Table
        rows={orders.data?.items ?? []}
        rowKey={(o) => `${o.channel}/${o.channelOrderId}/${o.sku}`}
        columns={[
          {
            header: t('orders.order'),
            cell: (o) => <a href={href('orders', o.channel, o.channelOrderId)}>{o.channelOrderId}</a>,
          },
          { header: t('sku.channel'), cell: (o) => o.channel },
          { header: 'SKU', cell: (o) => <a href={href('sku', o.sku)}>{o.sku}</a> },
          { header: t('orders.quantity'), cell: (o) => number(o.quantity), numeric: true },
          { header: t('orders.state'), cell: (o) => (o.reason ? `${o.state} (${o.reason})` : o.state) },
          { header: t('orders.placedAt'), cell: (o) => dateTime(o.placedAt) },
        ]}
      />
    </div>
  );
}

function OrderDetail({ channel, orderId }: { channel: string; orderId: string }) {
  const { t, dateTime } = useI18n();
  const session = useSession();
  const path = `/v1/orders/${encodeURIComponent(channel)}/${encodeURIComponent(orderId)}`;
  const order = useApi<{ lines: OrderLine[]; steps: Step[] }>(path);
  const [reason, setReason] = useState('');
  return (
    <div>
      <p>
        <a href={href('orders')}>{t('common.back')}</a>
      </p>
      <h1>{t('orders.history', { channel, order: orderId })}</h1>
      <ProblemNote problem={order.error} />
      <Table
        rows={order.data?.steps ?? []}
        rowKey={(s) => `${s.eventId}/${s.step}`}
        testId="order-steps"
        columns={[
          { header: t('sku.at'), cell: (s) => dateTime(s.at) },
          { header: t('orders.step'), cell: (s) => s.step },
          { header: 'SKU', cell: (s) => s.sku },
          { header: t('sku.actor'), cell: (s) => s.actor ?? '—' },
          {
            header: t('sku.details'),
            cell: (s) =>
              Object.entries(s)
                .filter(([k]) => !['step', 'sku', 'at', 'actor', 'version', 'eventId'].includes(k))
                .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
                .join(', '),
          },
        ]}
      />
      {session.may('deliverOrder') ? (
        <OperatorForms path={path} order={order.data} onDone={order.reload} />
      ) : null}
      {session.may('deliverOrder') || session.may('refundOrder') ? (
        <Section title={t('orders.actions')}>
          <Field label={t('recon.note')}>
            {(id) => (
              <input id={id} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={200} />
            )}
          </Field>
          {session.may('deliverOrder') ? (
            <ActionForm
              label={t('orders.redeliver')}
              onSubmit={async () => {
                const r = await session.client.send<{ result?: string }>(
                  'POST',
                  `${path}/redeliver`,
                  reason ? { note: reason } : {},
                );
                order.reload();
                return t('orders.done', { result: r?.result ?? 'ok' });
              }}
            />
          ) : null}
          {session.may('refundOrder') ? (
            <ActionForm
              label={t('orders.refund')}
              onSubmit={async () => {
                const r = await session.client.send<{ result?: string }>(
                  'POST',
                  `${path}/refund`,
                  reason ? { note: reason } : {},
                );
                order.reload();
                return t('orders.done', { result: r?.result ?? 'ok' });
              }}
            />
          ) : null}
        </Section>
      ) : null}
    </div>
  );
}

/**
 * The operator's desk on one order: open an after-sales ticket, replace a key the buyer reports invalid (voided,
 * never sold again; a new one is allocated and delivered), and for manual delivery give a paid order its keys.
 */
function OperatorForms({
  path,
  order,
  onDone,
}: {
  path: string;
  order: { lines: OrderLine[] } | undefined;
  onDone(): void;
}) {
  const { t } = useI18n();
  const { client } = useSession();
  const [reason, setReason] = useState('INVALID_KEY');
  const [summary, setSummary] = useState('');
  const [unitId, setUnitId] = useState('');
  const lines = order?.lines ?? [];
  const units = lines.flatMap((l) => l.allocatedUnitIds ?? []);
  const awaiting = lines.filter((l) => l.state === 'awaiting-keys');
  return (
    <>
      <Section title={t('tickets.open')}>
        <ActionForm
          label={t('tickets.open')}
          onSubmit={async () => {
            const ticket = await client.send<{ id: string }>('POST', `${path}/tickets`, { reason, summary });
            onDone();
            return t('tickets.opened', { id: ticket.id });
          }}
        >
          <Field label={t('tickets.reason')} hint="INVALID_KEY, NOT_RECEIVED, …">
            {(id) => (
              <input
                id={id}
                value={reason}
                onChange={(e) => setReason(e.target.value)}
                maxLength={64}
                required
              />
            )}
          </Field>
          <Field label={t('tickets.summary')}>
            {(id) => (
              <input
                id={id}
                value={summary}
                onChange={(e) => setSummary(e.target.value)}
                maxLength={500}
                required
              />
            )}
          </Field>
        </ActionForm>
      </Section>
      {units.length > 0 ? (
        <Section title={t('orders.replaceKey')}>
          <ActionForm
            label={t('orders.replaceKey')}
            onSubmit={async () => {
              const r = await client.send<{ result?: string }>(
                'POST',
                `${path}/card-keys/${encodeURIComponent(unitId)}/replace`,
                {},
              );
              onDone();
              return t('orders.done', { result: r?.result ?? 'ok' });
            }}
          >
            <Field label={t('orders.unit')}>
              {(id) => (
                <select id={id} value={unitId} onChange={(e) => setUnitId(e.target.value)} required>
                  <option value="">—</option>
                  {units.map((u) => (
                    <option key={u} value={u}>
                      {u}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </ActionForm>
        </Section>
      ) : null}
      {awaiting.length > 0 ? (
        <Section title={t('orders.allocate')}>
          <ActionForm
            label={t('orders.allocate')}
            onSubmit={async () => {
              const r = await client.send<{ result?: string }>('POST', `${path}/card-keys`, {
                sku: awaiting[0]!.sku,
              });
              onDone();
              return t('orders.done', { result: r?.result ?? 'ok' });
            }}
          >
            <p className="muted">{t('orders.allocateHint')}</p>
          </ActionForm>
        </Section>
      ) : null}
    </>
  );
}
