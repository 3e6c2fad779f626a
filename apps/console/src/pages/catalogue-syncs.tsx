import { useState } from 'react';
import { withQuery } from '../api-client';
import { ActionForm, Field, Loading, ProblemNote, Section } from '../components/ui';
import { Table } from '../components/table';
import { useI18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/catalogue';
import { href } from '../router';
import { useSession } from '../session';
import {
  APPLY_RESULTS,
  SYNC_ROW_STATUSES,
  type ApplyReport,
  type CatalogueSync,
  type CatalogueSyncPage,
  type FieldChange,
  type SyncRow,
  type SyncRowStatus,
} from '../types';
import { useApi } from '../use-api';

const enc = encodeURIComponent;

/** Rows per page of a sync (the API answers at most 1,000). */
const ROWS_PER_PAGE = 500;

/**
 * Catalogue syncs (主站 → 分站): a supplier's catalogue read as a preview against StockSync, then applied whole or by
 * row. Every role reads them; the roles that may sync start one and apply it.
 */
export function CatalogueSyncsPage({ id }: { id?: string }) {
  return id ? <SyncDetail id={id} /> : <SyncList />;
}

function SyncList() {
  const { t, dateTime, number } = useI18n();
  const session = useSession();
  const syncs = useApi<{ items: CatalogueSync[] }>(withQuery('/v1/catalogue/syncs', { limit: 50 }), {
    pollMs: 10_000,
  });
  const [supplierId, setSupplierId] = useState('');
  const [skuPrefix, setSkuPrefix] = useState('');
  return (
    <div>
      <h1>{t('syncs.title')}</h1>
      <p className="muted">{t('syncs.intro')}</p>
      {session.may('syncCatalogue') ? (
        <Section title={t('syncs.start')}>
          <ActionForm
            label={t('syncs.start')}
            onSubmit={async () => {
              const sync = await session.client.send<CatalogueSyncPage>('POST', '/v1/catalogue/syncs', {
                supplierId: supplierId.trim(),
                ...(skuPrefix.trim() ? { mapping: { skuPrefix: skuPrefix.trim() } } : {}),
              });
              window.location.hash = href('catalogue-syncs', sync.syncId);
              return t('syncs.started');
            }}
          >
            <Field label={t('syncs.supplier')} hint={t('syncs.supplierHint')}>
              {(fieldId) => (
                <input
                  id={fieldId}
                  value={supplierId}
                  onChange={(e) => setSupplierId(e.target.value)}
                  required
                  maxLength={128}
                />
              )}
            </Field>
            <Field label={t('syncs.skuPrefix')} hint={t('syncs.skuPrefixHint')}>
              {(fieldId) => (
                <input
                  id={fieldId}
                  value={skuPrefix}
                  onChange={(e) => setSkuPrefix(e.target.value)}
                  maxLength={64}
                />
              )}
            </Field>
          </ActionForm>
        </Section>
      ) : null}
      <Section title={t('syncs.recent')}>
        <ProblemNote problem={syncs.error} />
        <Loading when={syncs.loading && !syncs.data} />
        <Table
          rows={syncs.data?.items ?? []}
          rowKey={(s) => s.syncId}
          testId="syncs"
          columns={[
            {
              header: t('syncs.sync'),
              cell: (s) => <a href={href('catalogue-syncs', s.syncId)}>{s.syncId.slice(0, 8)}</a>,
            },
            { header: t('syncs.supplier'), cell: (s) => s.supplierId },
            { header: t('syncs.fetchedAt'), cell: (s) => dateTime(s.fetchedAt) },
            { header: t('syncs.requestedBy'), cell: (s) => `${s.requestedBy} (${s.source})` },
            ...SYNC_ROW_STATUSES.map((status) => ({
              header: t(`syncs.status.${status}` as MessageKey),
              numeric: true,
              cell: (s: CatalogueSync) => number(s.counts[status] ?? 0),
            })),
            {
              header: t('syncs.lastApplied'),
              cell: (s) =>
                s.lastAppliedAt
                  ? `${dateTime(s.lastAppliedAt)} · ${s.lastAppliedBy ?? ''}`
                  : t('common.never'),
            },
          ]}
        />
      </Section>
    </div>
  );
}

/** One sync: its rows by status with each change old → new, and for the roles that may, its apply. */
function SyncDetail({ id }: { id: string }) {
  const { t, dateTime, number } = useI18n();
  const session = useSession();
  const [status, setStatus] = useState<SyncRowStatus | ''>('');
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [report, setReport] = useState<ApplyReport>();
  const path = `/v1/catalogue/syncs/${enc(id)}`;
  const sync = useApi<CatalogueSyncPage>(
    withQuery(path, { status: status || undefined, cursor, limit: ROWS_PER_PAGE }),
  );
  const s = sync.data;
  const write = session.may('syncCatalogue');
  const total = s ? SYNC_ROW_STATUSES.reduce((sum, k) => sum + (s.counts[k] ?? 0), 0) : 0;
  const choose = (next: SyncRowStatus | '') => {
    setStatus(next);
    setCursor(undefined);
  };
  const toggle = (productId: string, on: boolean) =>
    setSelected((current) => {
      const next = new Set(current);
      if (on) next.add(productId);
      else next.delete(productId);
      return next;
    });
  const apply = async (rows?: string[]) => {
    setReport(undefined);
    const answer = await session.client.send<ApplyReport>('POST', `${path}/apply`, rows ? { rows } : {});
    setReport(answer);
    setSelected(new Set());
    sync.reload();
    return t('syncs.appliedDone', { count: answer.rows.length });
  };
  if (sync.error?.status === 404) return <p>{t('syncs.notFound', { id })}</p>;
  return (
    <div>
      <p>
        <a href={href('catalogue-syncs')}>{t('common.back')}</a>
      </p>
      <h1>{t('syncs.syncTitle', { id: id.slice(0, 8) })}</h1>
      <ProblemNote problem={sync.error} />
      <Loading when={sync.loading && !s} />
      {s ? (
        <>
          <p data-testid="sync-summary">
            {t('syncs.supplier')} {s.supplierId} · {t('syncs.fetchedAt')} {dateTime(s.fetchedAt)} ·{' '}
            {t('syncs.requestedBy')} {s.requestedBy} · {t('syncs.skuPrefix')} {s.mapping.skuPrefix || '—'} ·{' '}
            {t('syncs.lastApplied')}{' '}
            {s.lastAppliedAt ? `${dateTime(s.lastAppliedAt)} (${s.lastAppliedBy ?? ''})` : t('common.never')}
          </p>
          <div role="tablist" className="tabs" aria-label={t('syncs.byStatus')}>
            {(['', ...SYNC_ROW_STATUSES] as const).map((k) => (
              <button
                key={k || 'all'}
                type="button"
                role="tab"
                aria-selected={status === k}
                className={status === k ? 'active' : ''}
                data-status={k || 'all'}
                data-count={k ? (s.counts[k] ?? 0) : total}
                onClick={() => choose(k)}
              >
                {`${k ? t(`syncs.status.${k}` as MessageKey) : t('common.all')} (${number(k ? (s.counts[k] ?? 0) : total)})`}
              </button>
            ))}
          </div>
          {write ? (
            <div className="filters">
              <ActionForm
                label={t('syncs.applyAll', { count: number((s.counts.new ?? 0) + (s.counts.changed ?? 0)) })}
                name={t('syncs.applyAllName')}
                onSubmit={() => apply()}
              />
              {selected.size > 0 ? (
                <ActionForm
                  label={t('syncs.applySelected', { count: number(selected.size) })}
                  name={t('syncs.applySelectedName')}
                  onSubmit={() => apply([...selected])}
                />
              ) : null}
            </div>
          ) : null}
          {report ? <ApplyResult report={report} /> : null}
          <Section title={t('syncs.rows')}>
            {/* Until the chosen status's page arrives, the rows shown are those of that status already loaded. */}
            <SyncRows
              rows={status ? s.rows.filter((r) => r.status === status) : s.rows}
              selectable={write}
              selected={selected}
              onToggle={toggle}
            />
            {s.nextCursor !== null ? (
              <button type="button" onClick={() => setCursor(s.nextCursor ?? undefined)}>
                {t('syncs.nextRows')}
              </button>
            ) : null}
            {cursor !== undefined ? (
              <button type="button" onClick={() => setCursor(undefined)}>
                {t('syncs.firstRows')}
              </button>
            ) : null}
          </Section>
        </>
      ) : null}
    </div>
  );
}

function SyncRows({
  rows,
  selectable,
  selected,
  onToggle,
}: {
  rows: SyncRow[];
  selectable: boolean;
  selected: ReadonlySet<string>;
  onToggle(productId: string, on: boolean): void;
}) {
  const { t, number, yuan } = useI18n();
  if (rows.length === 0) return <p className="muted">{t('common.none')}</p>;
  const applicable = (r: SyncRow) => r.status === 'new' || r.status === 'changed';
  return (
    <div className="table-wrap">
      <table data-testid="sync-rows">
        <thead>
          <tr>
            {selectable ? <th scope="col">{t('syncs.select')}</th> : null}
            <th scope="col">{t('syncs.product')}</th>
            <th scope="col">{t('overview.sku')}</th>
            <th scope="col">{t('syncs.status')}</th>
            <th scope="col">{t('syncs.name')}</th>
            <th scope="col" className="num">
              {t('syncs.supplyPrice')}
            </th>
            <th scope="col" className="num">
              {t('syncs.stock')}
            </th>
            <th scope="col">{t('syncs.details')}</th>
            <th scope="col">{t('syncs.applyResult')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={`${r.status}/${r.productId}`} data-product={r.productId} data-status={r.status}>
              {selectable ? (
                <td>
                  {applicable(r) ? (
                    <input
                      type="checkbox"
                      aria-label={t('syncs.selectRow', { product: r.productId })}
                      checked={selected.has(r.productId)}
                      onChange={(e) => onToggle(r.productId, e.target.checked)}
                    />
                  ) : null}
                </td>
              ) : null}
              <th scope="row">{r.productId}</th>
              <td>{r.sku ? <a href={href('sku', r.sku)}>{r.sku}</a> : '—'}</td>
              <td>{t(`syncs.status.${r.status}` as MessageKey)}</td>
              <td>{r.product?.name ?? '—'}</td>
              <td className="num" data-field="supplyPrice">
                {yuan(r.product?.supplyPrice ?? r.last?.supplyPrice)}
              </td>
              <td className="num">
                {r.product
                  ? r.product.stock === null
                    ? t('common.unlimited')
                    : number(r.product.stock)
                  : number(r.last?.stock)}
              </td>
              <td className="details" data-field="details">
                <RowDetails row={r} />
              </td>
              <td>
                {r.applied?.result
                  ? `${t(`syncs.result.${r.applied.result}` as MessageKey)}${r.applied.reason ? `: ${r.applied.reason}` : ''}`
                  : '—'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** What a row says beyond the product: each change old → new, an invalid row's reason, a gone row's note. */
function RowDetails({ row }: { row: SyncRow }) {
  const { t } = useI18n();
  const changes = row.changes ?? [];
  const parts: string[] = [];
  if (row.status === 'invalid' && row.reason)
    parts.push(`${t('syncs.reason')}: ${row.reason}${row.detail ? ` (${row.detail})` : ''}`);
  if (row.status === 'gone') parts.push(t('syncs.goneNote'));
  return (
    <>
      {parts.join(' · ')}
      {changes.length > 0 ? (
        <ul className="changes">
          {changes.map((c) => (
            <li key={c.field} data-change={c.field}>
              <ChangeText change={c} />
            </li>
          ))}
        </ul>
      ) : null}
    </>
  );
}

function ChangeText({ change }: { change: FieldChange }) {
  const { t, number, yuan } = useI18n();
  const value = (v: string | number | null, side: 'old' | 'new') => {
    if (v === null) return change.field === 'stock' && side === 'new' ? t('common.unlimited') : '—';
    if (change.field === 'supplyPrice' && typeof v === 'number') return yuan(v);
    if (change.field === 'stock' && typeof v === 'number') return number(v);
    return String(v);
  };
  return (
    <>
      {t(`syncs.field.${change.field}` as MessageKey)}: {value(change.old, 'old')} →{' '}
      {value(change.new, 'new')}
    </>
  );
}

/** The apply's answer: counts by result, each row's result, the rows it skipped, and the gone rows' note. */
function ApplyResult({ report }: { report: ApplyReport }) {
  const { t, number, dateTime } = useI18n();
  return (
    <Section title={t('syncs.applyResult')}>
      <p className="muted">
        {t('syncs.appliedBy', { by: report.appliedBy, at: dateTime(report.appliedAt) })}
      </p>
      <dl className="figures" data-testid="apply-counts">
        {APPLY_RESULTS.map((result) => (
          <div key={result} className="figure" data-result={result}>
            <dt>{t(`syncs.result.${result}` as MessageKey)}</dt>
            <dd>{number(report.counts[result] ?? 0)}</dd>
          </div>
        ))}
      </dl>
      <Table
        rows={report.rows}
        rowKey={(r) => r.productId}
        testId="apply-rows"
        columns={[
          { header: t('syncs.product'), cell: (r) => r.productId },
          {
            header: t('overview.sku'),
            cell: (r) => (r.sku ? <a href={href('sku', r.sku)}>{r.sku}</a> : '—'),
          },
          { header: t('syncs.status'), cell: (r) => t(`syncs.status.${r.status}` as MessageKey) },
          {
            header: t('syncs.applyResult'),
            cell: (r) => `${t(`syncs.result.${r.result}` as MessageKey)}${r.reason ? `: ${r.reason}` : ''}`,
          },
        ]}
      />
      {report.skipped.length > 0 ? (
        <p className="muted">
          {t('syncs.skipped', {
            count: number(report.skipped.length),
            products: report.skipped
              .slice(0, 20)
              .map((r) => `${r.productId} (${t(`syncs.status.${r.status}` as MessageKey)})`)
              .join(', '),
          })}
        </p>
      ) : null}
      {report.gone.count > 0 ? (
        <p className="muted">{t('syncs.goneCount', { count: number(report.gone.count) })}</p>
      ) : null}
    </Section>
  );
}
