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
      <Section title="Dead letters">
        <p className="muted">{t('alerts.deadLetters')}</p>
      </Section>
    </div>
  );
}
