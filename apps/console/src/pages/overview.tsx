import { useMemo, useState } from 'react';
import { ProblemNote } from '../components/ui';
import { useI18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/catalogue';
import { href } from '../router';
import { skuLagMs, channelLagMs } from '../sync-state';
import type { ChannelRow, Page, SkuRow } from '../types';
import { useApi } from '../use-api';
import { withQuery } from '../api-client';

/**
 * How often the overview asks the API again. Measured (docs/console.md): a sale shows in the overview within
 * about this long after every channel's target moved, for one small query per open console per interval.
 */
export const OVERVIEW_POLL_MS = 2000;
const PAGE_SIZE = 500;

export function OverviewPage() {
  const { t, number, dateTime, age } = useI18n();
  const [search, setSearch] = useState('');
  const [onlyAlerts, setOnlyAlerts] = useState(false);
  const [onlyLagging, setOnlyLagging] = useState(false);
  const skus = useApi<Page<SkuRow>>(
    withQuery('/v1/skus', { limit: PAGE_SIZE, q: search.trim() || undefined }),
    {
      pollMs: OVERVIEW_POLL_MS,
    },
  );
  const now = skus.at?.getTime() ?? Date.now();
  const items = skus.data?.items;
  const channels = useMemo(
    () => [...new Set((items ?? []).flatMap((s) => s.channels.map((c) => c.channel)))].sort(),
    [items],
  );
  const shown = (items ?? []).filter(
    (s) => (!onlyAlerts || s.alert?.open) && (!onlyLagging || skuLagMs(s.channels, now) !== null),
  );

  return (
    <div>
      <h1>{t('overview.title')}</h1>
      <div className="filters" role="search">
        <label>
          {t('overview.search')}
          <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} maxLength={64} />
        </label>
        <label className="check">
          <input type="checkbox" checked={onlyAlerts} onChange={(e) => setOnlyAlerts(e.target.checked)} />
          {t('overview.onlyAlerts')}
        </label>
        <label className="check">
          <input type="checkbox" checked={onlyLagging} onChange={(e) => setOnlyLagging(e.target.checked)} />
          {t('overview.onlyLagging')}
        </label>
      </div>
      <p className="muted" aria-live="polite" data-testid="overview-updated">
        {skus.at
          ? t('overview.updated', { time: dateTime(skus.at), seconds: OVERVIEW_POLL_MS / 1000 })
          : t('common.loading')}
        {' · '}
        {t('overview.count', { count: number(shown.length) })}
      </p>
      <ProblemNote problem={skus.error} />
      <div className="table-wrap">
        <table className="overview">
          <thead>
            <tr>
              <th scope="col">{t('overview.sku')}</th>
              <th scope="col">{t('overview.kind')}</th>
              <th scope="col" className="num">
                {t('overview.onHand')}
              </th>
              <th scope="col" className="num">
                {t('overview.reserved')}
              </th>
              <th scope="col" className="num">
                {t('overview.available')}
              </th>
              {channels.map((c) => (
                <th scope="col" key={c} className="num">
                  {c}
                </th>
              ))}
              <th scope="col">{t('overview.syncLag')}</th>
              <th scope="col">{t('overview.alert')}</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((s) => {
              const lag = skuLagMs(s.channels, now);
              return (
                <tr key={s.sku} data-sku={s.sku}>
                  <th scope="row">
                    <a href={href('sku', s.sku)}>{s.sku}</a>
                  </th>
                  <td>{t(`kind.${s.kind}` as MessageKey)}</td>
                  <td className="num" data-field="onHand">
                    {s.endless ? t('common.unlimited') : number(s.onHand)}
                  </td>
                  <td className="num" data-field="reserved">
                    {number(s.reserved)}
                  </td>
                  <td className="num" data-field="available">
                    {s.endless ? t('common.unlimited') : number(s.available)}
                  </td>
                  {channels.map((name) => (
                    <ChannelCell key={name} row={s.channels.find((c) => c.channel === name)} now={now} />
                  ))}
                  <td className={lag === null ? 'ok' : 'warn'} data-field="lag">
                    {lag === null ? t('overview.inSync') : age(lag)}
                  </td>
                  <td>
                    {s.alert?.open ? <span className="badge warn">{t('overview.lowStock')}</span> : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {!skus.loading && shown.length === 0 ? <p className="muted">{t('common.none')}</p> : null}
    </div>
  );
}

function ChannelCell({ row, now }: { row: ChannelRow | undefined; now: number }) {
  const { t, number, age } = useI18n();
  if (!row) return <td className="num muted">—</td>;
  const lag = channelLagMs(row, now);
  const ackedAge = row.lastAckedAt
    ? t('common.ago', { age: age(now - Date.parse(row.lastAckedAt)) })
    : t('common.never');
  return (
    <td
      className={`num channel ${lag === null ? '' : 'lagging'} ${row.lastErrorCode ? 'failing' : ''}`}
      data-channel={row.channel}
      data-target={row.target ?? ''}
      data-acked={row.lastAcked ?? ''}
      title={
        t('overview.channelCell', {
          target: number(row.target),
          pushed: number(row.lastPushed),
          acked: number(row.lastAcked),
        }) + (row.lastErrorCode ? ` · ${row.lastErrorCode}` : '')
      }
    >
      <strong>{number(row.target)}</strong>
      <small>
        {number(row.lastAcked)} · {ackedAge}
      </small>
    </td>
  );
}
