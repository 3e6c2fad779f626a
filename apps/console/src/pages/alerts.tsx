import { useState } from 'react';
import { ActionForm, ProblemNote, Section } from '../components/ui';
import { Table } from '../components/table';
import { useI18n } from '../i18n/i18n';
import { href } from '../router';
import { useSession } from '../session';
import { useApi } from '../use-api';

interface OpenAlert {
  sku: string;
  kind: string;
  threshold: number;
  onHand: number;
  raisedAt: string;
}

interface Quarantined {
  sku: string;
  eventType: string;
  reasonCode: string;
  reason: string;
  firstFailedAt: string;
  attempts: number;
  retryRequestedAt: string | null;
}

export function AlertsPage() {
  const { t, number, dateTime } = useI18n();
  const session = useSession();
  const alerts = useApi<{ items: OpenAlert[] }>('/v1/alerts', { pollMs: 5000 });
  const quarantine = useApi<{ items: Quarantined[] }>('/v1/projection/quarantine', { pollMs: 5000 });
  return (
    <div>
      <h1>{t('alerts.title')}</h1>
      <ProblemNote problem={alerts.error} />
      <Table
        rows={alerts.data?.items ?? []}
        rowKey={(a) => `${a.kind}/${a.sku}`}
        testId="alerts"
        columns={[
          { header: 'SKU', cell: (a) => <a href={href('sku', a.sku)}>{a.sku}</a> },
          { header: t('alerts.kind'), cell: (a) => a.kind },
          { header: t('overview.onHand'), cell: (a) => number(a.onHand), numeric: true },
          { header: t('alerts.threshold'), cell: (a) => number(a.threshold), numeric: true },
          { header: t('alerts.raisedAt'), cell: (a) => dateTime(a.raisedAt) },
        ]}
      />
      <Section title={t('alerts.quarantine')}>
        <ProblemNote problem={quarantine.error} />
        <Table
          rows={quarantine.data?.items ?? []}
          rowKey={(q) => q.sku}
          columns={[
            { header: 'SKU', cell: (q) => <a href={href('sku', q.sku)}>{q.sku}</a> },
            { header: t('sku.event'), cell: (q) => q.eventType },
            { header: t('alerts.reason'), cell: (q) => `${q.reasonCode}: ${q.reason}` },
            { header: t('alerts.raisedAt'), cell: (q) => dateTime(q.firstFailedAt) },
            {
              header: t('alerts.retry'),
              cell: (q) =>
                session.may('retryProjection') ? (
                  <ActionForm
                    label={t('alerts.retry')}
                    name={`${t('alerts.retry')} ${q.sku}`}
                    onSubmit={async () => {
                      await session.client.send(
                        'POST',
                        `/v1/projection/quarantine/${encodeURIComponent(q.sku)}/retry`,
                      );
                      quarantine.reload();
                    }}
                  />
                ) : null,
            },
          ]}
        />
      </Section>
      <DeadLetters />
    </div>
  );
}

interface DeadLetter {
  partition: number;
  offset: string;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
  reason: string;
  detail: string;
  at: string;
  key: string | null;
  type?: string;
  eventId?: string;
  consumerGroup: string;
  attempts: number;
  replayable: boolean;
}

/**
 * Messages a consumer set aside, newest first, with the stable reason and its text (never the message itself: it
 * may hold a card key). Replaying writes the original bytes back to the source topic; consumers dedupe by event id.
 */
function DeadLetters() {
  const { t, dateTime } = useI18n();
  const session = useSession();
  const letters = useApi<{ items: DeadLetter[] }>('/v1/dead-letters?limit=100', { pollMs: 30_000 });
  const [open, setOpen] = useState<string>();
  return (
    <Section title={t('alerts.deadLetters')}>
      <ProblemNote problem={letters.error} />
      <Table
        rows={letters.data?.items ?? []}
        rowKey={(d) => `${d.partition}/${d.offset}`}
        testId="dead-letters"
        columns={[
          { header: t('alerts.raisedAt'), cell: (d) => dateTime(d.at) },
          {
            header: t('alerts.source'),
            cell: (d) => `${d.sourceTopic} [${d.sourcePartition}] @${d.sourceOffset}`,
          },
          { header: t('alerts.reason'), cell: (d) => d.reason },
          {
            header: t('sku.details'),
            cell: (d) =>
              open === `${d.partition}/${d.offset}` ? (
                <span className="details">
                  {d.detail} · {d.type ?? '—'} · key {d.key ?? '—'} · {d.consumerGroup} × {d.attempts}
                </span>
              ) : (
                <button type="button" onClick={() => setOpen(`${d.partition}/${d.offset}`)}>
                  {t('common.more')}
                </button>
              ),
          },
          {
            header: t('alerts.replay'),
            cell: (d) =>
              session.may('replayDeadLetter') && d.replayable ? (
                <ActionForm
                  label={t('alerts.replay')}
                  name={`${t('alerts.replay')} ${d.partition}/${d.offset}`}
                  onSubmit={async () => {
                    const r = await session.client.send<{
                      replayedTo: { topic: string; partition: number; offset: string };
                    }>('POST', `/v1/dead-letters/${d.partition}/${encodeURIComponent(d.offset)}/replay`);
                    letters.reload();
                    return t('alerts.replayed', {
                      to: `${r.replayedTo.topic} [${r.replayedTo.partition}] @${r.replayedTo.offset}`,
                    });
                  }}
                />
              ) : d.replayable ? null : (
                <span className="muted">{t('alerts.notReplayable')}</span>
              ),
          },
        ]}
      />
    </Section>
  );
}
