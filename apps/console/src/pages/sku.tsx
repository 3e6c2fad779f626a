import { useState } from 'react';
import { ActionForm, Field, fieldValue, Loading, NumberField, ProblemNote, Section } from '../components/ui';
import { useI18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/catalogue';
import { useSession } from '../session';
import type {
  ChannelPolicy,
  ChannelRow,
  DecisionSettings,
  Page,
  SkuDetail,
  SkuEvent,
  SkuSuppliers,
} from '../types';
import { useApi } from '../use-api';
import { withQuery } from '../api-client';

const enc = encodeURIComponent;

export function SkuPage({ sku }: { sku: string }) {
  const { t, number } = useI18n();
  const session = useSession();
  const detail = useApi<SkuDetail>(`/v1/skus/${enc(sku)}`, { pollMs: 2000 });
  const settings = useApi<DecisionSettings>(`/v1/skus/${enc(sku)}/decision-settings`);
  const s = detail.data;
  const saved = () => {
    detail.reload();
    settings.reload();
  };
  if (detail.error?.status === 404) return <p>{t('sku.notFound', { sku })}</p>;
  return (
    <div>
      <h1>{t('sku.title', { sku })}</h1>
      <ProblemNote problem={detail.error} />
      <Loading when={detail.loading && !s} />
      {s ? (
        <>
          <Section title={t('sku.stock')}>
            <dl className="figures">
              <dt>{t('overview.kind')}</dt>
              <dd>{t(`kind.${s.kind}` as MessageKey)}</dd>
              <dt>{t('overview.onHand')}</dt>
              <dd data-field="onHand">{s.endless ? t('common.unlimited') : number(s.onHand)}</dd>
              <dt>{t('overview.reserved')}</dt>
              <dd>{number(s.reserved)}</dd>
              <dt>{t('overview.available')}</dt>
              <dd data-field="available">{s.endless ? t('common.unlimited') : number(s.available)}</dd>
            </dl>
          </Section>
          <Section title={t('sku.channels')}>
            <ChannelTable channels={s.channels} />
          </Section>
          {s.cardKeys.length > 0 ? (
            <Section title={t('sku.cardKeys')}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('sku.state')}</th>
                    <th scope="col" className="num">
                      {t('sku.count')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {s.cardKeys.map((k) => (
                    <tr key={k.state}>
                      <td>{k.state}</td>
                      <td className="num">{number(k.count)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Section>
          ) : null}
          {s.kind === 'supplier' ? <Suppliers sku={sku} /> : null}
          {settings.data ? <Pools sku={sku} settings={settings.data} onSaved={saved} /> : null}
          {session.may('manageSkus') ? (
            <>
              <SettingsForm
                key={settings.data?.version ?? 0}
                sku={s}
                settings={settings.data}
                onSaved={saved}
              />
              <PolicyForm
                key={settings.data ? 'loaded' : 'loading'}
                sku={sku}
                channels={[
                  ...new Set([
                    ...s.channels.map((c) => c.channel),
                    ...(settings.data?.channelPolicies ?? []).map((p) => p.channel),
                  ]),
                ].sort()}
                policies={settings.data?.channelPolicies ?? []}
                onSaved={saved}
              />
              {s.kind === 'quantity' ? <ReceiveForm sku={sku} onSaved={saved} /> : null}
            </>
          ) : null}
        </>
      ) : null}
      <History sku={sku} />
    </div>
  );
}

function ChannelTable({ channels }: { channels: ChannelRow[] }) {
  const { t, number, dateTime } = useI18n();
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">{t('sku.channel')}</th>
          <th scope="col" className="num">
            {t('sku.target')}
          </th>
          <th scope="col" className="num">
            {t('sku.lastPushed')}
          </th>
          <th scope="col" className="num">
            {t('sku.lastAcked')}
          </th>
          <th scope="col">{t('sku.lastError')}</th>
        </tr>
      </thead>
      <tbody>
        {channels.map((c) => (
          <tr key={c.channel} data-channel={c.channel} data-target={c.target ?? ''}>
            <th scope="row">{c.channel}</th>
            <td className="num">{number(c.target)}</td>
            <td className="num">
              {number(c.lastPushed)} <small className="muted">{dateTime(c.lastPushedAt)}</small>
            </td>
            <td className="num">
              {number(c.lastAcked)} <small className="muted">{dateTime(c.lastAckedAt)}</small>
            </td>
            <td className={c.lastErrorCode ? 'problem' : 'muted'}>
              {c.lastErrorCode ? `${c.lastErrorCode} (${dateTime(c.lastErrorAt)})` : '—'}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A supplier SKU's suppliers in priority order with what each last reported (read only; prices in fen as yuan). */
function Suppliers({ sku }: { sku: string }) {
  const { t, number, yuan, dateTime } = useI18n();
  const suppliers = useApi<SkuSuppliers>(`/v1/skus/${enc(sku)}/suppliers`, { pollMs: 10_000 });
  return (
    <Section title={t('sku.suppliers')}>
      <ProblemNote problem={suppliers.error} />
      {suppliers.data && suppliers.data.suppliers.length === 0 ? (
        <p className="muted">{t('common.none')}</p>
      ) : (
        <table data-testid="suppliers">
          <thead>
            <tr>
              <th scope="col">{t('sku.supplier')}</th>
              <th scope="col">{t('sku.product')}</th>
              <th scope="col" className="num">
                {t('syncs.stock')}
              </th>
              <th scope="col" className="num">
                {t('sku.supplyPrice')}
              </th>
              <th scope="col">{t('sku.onSale')}</th>
              <th scope="col">{t('sku.reportedAt')}</th>
            </tr>
          </thead>
          <tbody>
            {(suppliers.data?.suppliers ?? []).map((l) => (
              <tr key={l.supplierId} data-supplier={l.supplierId}>
                <th scope="row">{l.supplierId}</th>
                <td>{l.productId}</td>
                <td className="num">
                  {l.observedAt === null ? '—' : l.stock === null ? t('common.unlimited') : number(l.stock)}
                </td>
                <td className="num" data-field="supplyPrice">
                  {yuan(l.supplyPrice)}
                </td>
                <td>{l.observedAt === null ? '—' : t(l.onSale ? 'common.yes' : 'common.no')}</td>
                <td>{dateTime(l.observedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

function SettingsForm({
  sku,
  settings,
  onSaved,
}: {
  sku: SkuDetail;
  settings: DecisionSettings | undefined;
  onSaved(): void;
}) {
  const { t } = useI18n();
  const { client } = useSession();
  const [threshold, setThreshold] = useState(sku.lowStockThreshold?.toString() ?? '');
  const [cap, setCap] = useState(sku.perOrderCap?.toString() ?? '');
  const [mode, setMode] = useState(settings?.deliveryMode ?? '');
  return (
    <Section title={t('sku.settings')}>
      <ActionForm
        label={t('common.save')}
        name={t('sku.settings')}
        onSubmit={async () => {
          await client.send('PATCH', `/v1/skus/${enc(sku.sku)}/settings`, {
            lowStockThreshold: fieldValue(threshold),
            perOrderCap: fieldValue(cap),
            ...(mode ? { deliveryMode: mode } : {}),
          });
          onSaved();
        }}
      >
        <NumberField
          label={t('sku.lowStockThreshold')}
          hint={t('sku.emptyMeansNone')}
          value={threshold}
          onChange={setThreshold}
        />
        <NumberField
          label={t('sku.perOrderCap')}
          hint={t('sku.emptyMeansNone')}
          value={cap}
          onChange={setCap}
        />
        {sku.kind === 'cardKey' ? (
          <Field label={t('sku.deliveryMode')}>
            {(id) => (
              <select id={id} value={mode} onChange={(e) => setMode(e.target.value)}>
                <option value="">—</option>
                <option value="automatic">{t('sku.deliveryMode.automatic')}</option>
                <option value="manual">{t('sku.deliveryMode.manual')}</option>
              </select>
            )}
          </Field>
        ) : null}
      </ActionForm>
    </Section>
  );
}

/** A channel's whole policy (PUT): a field left empty takes the API's default. */
function PolicyForm({
  sku,
  channels,
  policies,
  onSaved,
}: {
  sku: string;
  channels: string[];
  policies: ChannelPolicy[];
  onSaved(): void;
}) {
  const { t } = useI18n();
  const { client } = useSession();
  const text = (n: number | null | undefined) => (n === null || n === undefined ? '' : String(n));
  const [channel, setChannelState] = useState(channels[0] ?? '');
  const current = (name: string) => policies.find((p) => p.channel === name);
  const [buffer, setBuffer] = useState(text(current(channel)?.bufferQuantity));
  const [share, setShare] = useState(text(current(channel)?.sharePercent));
  const [max, setMax] = useState(text(current(channel)?.maxListed));
  const [end, setEnd] = useState(text(current(channel)?.endWhenAtOrBelow));
  // Choosing a channel shows the policy it has now, so a save changes only what the operator edits.
  const setChannel = (name: string) => {
    setChannelState(name);
    const policy = current(name);
    setBuffer(text(policy?.bufferQuantity));
    setShare(text(policy?.sharePercent));
    setMax(text(policy?.maxListed));
    setEnd(text(policy?.endWhenAtOrBelow));
  };
  const optional = (text: string) => (text.trim() === '' ? undefined : fieldValue(text));
  return (
    <Section title={t('sku.policy')}>
      <ActionForm
        label={t('common.save')}
        name={t('sku.policy')}
        onSubmit={async () => {
          await client.send('PUT', `/v1/skus/${enc(sku)}/channels/${enc(channel)}/policy`, {
            bufferQuantity: optional(buffer),
            sharePercent: optional(share),
            maxListed: fieldValue(max),
            endWhenAtOrBelow: fieldValue(end),
          });
          onSaved();
        }}
      >
        <Field label={t('sku.channel')}>
          {(id) => (
            <input
              id={id}
              list="known-channels"
              value={channel}
              onChange={(e) => setChannel(e.target.value)}
              required
            />
          )}
        </Field>
        <datalist id="known-channels">
          {channels.map((c) => (
            <option key={c} value={c} />
          ))}
        </datalist>
        <NumberField label={t('sku.bufferQuantity')} value={buffer} onChange={setBuffer} />
        <NumberField label={t('sku.sharePercent')} value={share} onChange={setShare} />
        <NumberField
          label={t('sku.maxListed')}
          hint={t('sku.emptyMeansNone')}
          value={max}
          onChange={setMax}
        />
        <NumberField
          label={t('sku.endWhenAtOrBelow')}
          hint={t('sku.emptyMeansNone')}
          value={end}
          onChange={setEnd}
        />
      </ActionForm>
    </Section>
  );
}

function ReceiveForm({ sku, onSaved }: { sku: string; onSaved(): void }) {
  const { t } = useI18n();
  const { client } = useSession();
  const [batchId, setBatchId] = useState('');
  const [quantity, setQuantity] = useState('');
  return (
    <Section title={t('sku.receive')}>
      <ActionForm
        label={t('sku.receive')}
        onSubmit={async () => {
          await client.send('POST', `/v1/skus/${enc(sku)}/receipts`, {
            batchId,
            quantity: fieldValue(quantity),
          });
          onSaved();
        }}
      >
        <Field label={t('sku.batchId')}>
          {(id) => <input id={id} value={batchId} onChange={(e) => setBatchId(e.target.value)} required />}
        </Field>
        <NumberField label={t('sku.quantity')} value={quantity} onChange={setQuantity} required />
      </ActionForm>
    </Section>
  );
}

/** The SKU stream's events, newest first, with who caused each (never a card-key secret: the API leaves them out). */
function History({ sku }: { sku: string }) {
  const { t, dateTime } = useI18n();
  const [before, setBefore] = useState<number | undefined>(undefined);
  const page = useApi<Page<SkuEvent>>(
    withQuery(`/v1/skus/${enc(sku)}/events`, { order: 'desc', before, limit: 100 }),
  );
  return (
    <Section title={t('sku.history')}>
      <ProblemNote problem={page.error?.status === 404 ? undefined : page.error} />
      <table>
        <thead>
          <tr>
            <th scope="col" className="num">
              {t('sku.version')}
            </th>
            <th scope="col">{t('sku.event')}</th>
            <th scope="col">{t('sku.at')}</th>
            <th scope="col">{t('sku.actor')}</th>
            <th scope="col">{t('sku.details')}</th>
          </tr>
        </thead>
        <tbody>
          {(page.data?.items ?? []).map((e) => (
            <tr key={e.version}>
              <td className="num">{e.version}</td>
              <td>{e.type}</td>
              <td>{dateTime(e.at)}</td>
              <td>{e.actor ?? '—'}</td>
              <td className="details">
                {Object.entries(e.summary)
                  .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
                  .join(', ')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {page.data?.next !== null && page.data?.next !== undefined ? (
        <button type="button" onClick={() => setBefore(Number(page.data!.next))}>
          {t('sku.olderEvents')}
        </button>
      ) : null}
    </Section>
  );
}

/** The SKU's dedicated pools (stock set aside for a promotion or a channel); inventory admins open and close them. */
function Pools({ sku, settings, onSaved }: { sku: string; settings: DecisionSettings; onSaved(): void }) {
  const { t, number } = useI18n();
  const session = useSession();
  const [poolId, setPoolId] = useState('');
  const [quantity, setQuantity] = useState('');
  const [cap, setCap] = useState('');
  const write = session.may('manageSkus');
  return (
    <Section title={t('sku.pools')}>
      {settings.pools.length === 0 ? (
        <p className="muted">{t('common.none')}</p>
      ) : (
        <table data-testid="pools">
          <thead>
            <tr>
              <th scope="col">{t('sku.poolId')}</th>
              <th scope="col">{t('sku.state')}</th>
              <th scope="col" className="num">
                {t('sku.quantity')}
              </th>
              <th scope="col" className="num">
                {t('overview.reserved')}
              </th>
              <th scope="col" className="num">
                {t('sku.sold')}
              </th>
              <th scope="col" className="num">
                {t('sku.perOrderCap')}
              </th>
              {write ? <th scope="col">{t('sku.closePool')}</th> : null}
            </tr>
          </thead>
          <tbody>
            {settings.pools.map((p) => (
              <tr key={p.poolId}>
                <td>{p.poolId}</td>
                <td>{p.status}</td>
                <td className="num">{number(p.quantity)}</td>
                <td className="num">{number(p.reserved)}</td>
                <td className="num">{number(p.sold)}</td>
                <td className="num">{number(p.perOrderCap)}</td>
                {write ? (
                  <td>
                    {p.status === 'open' ? (
                      <ActionForm
                        label={t('sku.closePool')}
                        name={`${t('sku.closePool')} ${p.poolId}`}
                        onSubmit={async () => {
                          await session.client.send(
                            'POST',
                            `/v1/skus/${enc(sku)}/pools/${enc(p.poolId)}/close`,
                            {},
                          );
                          onSaved();
                        }}
                      />
                    ) : null}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {write ? (
        <ActionForm
          label={t('sku.openPool')}
          onSubmit={async () => {
            await session.client.send('POST', `/v1/skus/${enc(sku)}/pools`, {
              poolId,
              quantity: fieldValue(quantity),
              perOrderCap: fieldValue(cap),
            });
            onSaved();
          }}
        >
          <Field label={t('sku.poolId')}>
            {(id) => (
              <input
                id={id}
                value={poolId}
                onChange={(e) => setPoolId(e.target.value)}
                required
                maxLength={64}
              />
            )}
          </Field>
          <NumberField label={t('sku.quantity')} value={quantity} onChange={setQuantity} required />
          <NumberField
            label={t('sku.perOrderCap')}
            hint={t('sku.emptyMeansNone')}
            value={cap}
            onChange={setCap}
          />
        </ActionForm>
      ) : null}
    </Section>
  );
}
