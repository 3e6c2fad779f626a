import { ActionForm, Loading, ProblemNote, saveBlob, Section } from '../components/ui';
import { Table } from '../components/table';
import { useI18n } from '../i18n/i18n';
import { href } from '../router';
import { useSession } from '../session';
import { useApi } from '../use-api';

interface Run {
  id: number;
  trigger: string;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  listingsChecked: number;
  skusChecked: number;
  differences: number;
  corrections: number;
  error: string | null;
}

interface Item {
  channel: string;
  sku: string;
  class: string;
  listed: number | null;
  target: number | null;
  target_version: number | null;
  action: string;
  note: string | null;
}

export function ReconciliationPage({ runId }: { runId?: string }) {
  return runId ? <RunDetail id={runId} /> : <Runs />;
}

function Runs() {
  const { t, number, dateTime } = useI18n();
  const session = useSession();
  const runs = useApi<{ items: Run[] }>('/v1/reconciliations?limit=50', { pollMs: 10_000 });
  return (
    <div>
      <h1>{t('recon.title')}</h1>
      {session.may('runReconciliation') ? (
        <ActionForm
          label={t('recon.runNow')}
          onSubmit={async () => {
            const run = await session.client.send<{ id?: number; runId?: number }>(
              'POST',
              '/v1/reconciliations',
            );
            runs.reload();
            return t('recon.started', { id: run?.id ?? run?.runId ?? '' });
          }}
        />
      ) : null}
      <ProblemNote problem={runs.error} />
      <Loading when={runs.loading && !runs.data} />
      <Table
        rows={runs.data?.items ?? []}
        rowKey={(r) => String(r.id)}
        columns={[
          { header: t('recon.run'), cell: (r) => <a href={href('reconciliation', String(r.id))}>#{r.id}</a> },
          { header: t('recon.status'), cell: (r) => r.status },
          { header: t('recon.startedAt'), cell: (r) => dateTime(r.startedAt) },
          { header: t('recon.finishedAt'), cell: (r) => dateTime(r.finishedAt) },
          { header: t('recon.differences'), cell: (r) => number(r.differences), numeric: true },
        ]}
      />
    </div>
  );
}

function RunDetail({ id }: { id: string }) {
  const { t, number, dateTime } = useI18n();
  const { client } = useSession();
  const run = useApi<
    Run & { byClass: { channel: string; class: string; differences: number; corrected: number }[] }
  >(`/v1/reconciliations/${encodeURIComponent(id)}`);
  const items = useApi<{ items: Item[] }>(`/v1/reconciliations/${encodeURIComponent(id)}/items`);
  return (
    <div>
      <p>
        <a href={href('reconciliation')}>{t('common.back')}</a>
      </p>
      <h1>
        {t('recon.run')} #{id}
      </h1>
      <ProblemNote problem={run.error ?? items.error} />
      {run.data ? (
        <p>
          {run.data.status} · {dateTime(run.data.startedAt)} → {dateTime(run.data.finishedAt)} ·{' '}
          {t('recon.differences')} {number(run.data.differences)}
        </p>
      ) : null}
      <Section title={t('recon.byChannel')}>
        <Table
          rows={run.data?.byClass ?? []}
          rowKey={(r) => `${r.channel}/${r.class}`}
          columns={[
            { header: t('sku.channel'), cell: (r) => r.channel },
            { header: t('recon.class'), cell: (r) => r.class },
            { header: t('recon.differences'), cell: (r) => number(r.differences), numeric: true },
          ]}
        />
      </Section>
      <Section title={t('recon.items')}>
        <button
          type="button"
          onClick={() =>
            void client
              .download(`/v1/reconciliations/${encodeURIComponent(id)}/items.csv`)
              .then((blob) => saveBlob(blob, `reconciliation-${id}.csv`))
          }
        >
          {t('common.downloadCsv')}
        </button>
        <Table
          rows={items.data?.items ?? []}
          rowKey={(r) => `${r.channel}/${r.sku}/${r.class}`}
          columns={[
            { header: t('sku.channel'), cell: (r) => r.channel },
            { header: 'SKU', cell: (r) => <a href={href('sku', r.sku)}>{r.sku}</a> },
            { header: t('recon.class'), cell: (r) => r.class },
            { header: t('recon.listed'), cell: (r) => number(r.listed), numeric: true },
            { header: t('sku.target'), cell: (r) => number(r.target), numeric: true },
            { header: t('recon.action'), cell: (r) => r.action },
            { header: t('recon.note'), cell: (r) => r.note ?? '' },
          ]}
        />
      </Section>
    </div>
  );
}
