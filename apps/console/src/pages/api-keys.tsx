import { useState } from 'react';
import type { Role } from '../api-client';
import { ActionForm, Field, ProblemNote, Section } from '../components/ui';
import { Table } from '../components/table';
import { useI18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/catalogue';
import { useSession } from '../session';
import { useApi } from '../use-api';

interface StoredKey {
  keyId: string;
  name: string;
  role: Role;
  createdBy: string;
  createdAt: string;
  revokedAt: string | null;
}

const ROLES: Role[] = ['analyst', 'order-operator', 'inventory-admin', 'admin'];

export function ApiKeysPage() {
  const { t, dateTime } = useI18n();
  const { client } = useSession();
  const keys = useApi<StoredKey[]>('/v1/api-keys');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('analyst');
  return (
    <div>
      <h1>{t('keys.title')}</h1>
      <Section title={t('keys.create')}>
        <ActionForm
          label={t('keys.create')}
          onSubmit={async () => {
            const created = await client.send<{ key: string }>('POST', '/v1/api-keys', { name, role });
            keys.reload();
            return t('keys.created', { key: created.key });
          }}
        >
          <Field label={t('keys.name')}>
            {(id) => (
              <input id={id} value={name} onChange={(e) => setName(e.target.value)} required maxLength={64} />
            )}
          </Field>
          <Field label={t('keys.role')}>
            {(id) => (
              <select id={id} value={role} onChange={(e) => setRole(e.target.value as Role)}>
                {ROLES.map((r) => (
                  <option key={r} value={r}>
                    {t(`role.${r}` as MessageKey)}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </ActionForm>
      </Section>
      <ProblemNote problem={keys.error} />
      <Table
        rows={keys.data ?? []}
        rowKey={(k) => k.keyId}
        columns={[
          { header: t('keys.name'), cell: (k) => k.name },
          { header: t('keys.role'), cell: (k) => t(`role.${k.role}` as MessageKey) },
          { header: t('keys.createdAt'), cell: (k) => dateTime(k.createdAt) },
          { header: t('keys.revokedAt'), cell: (k) => dateTime(k.revokedAt) },
          {
            header: t('keys.revoke'),
            cell: (k) =>
              k.revokedAt ? null : (
                <ActionForm
                  label={t('keys.revoke')}
                  name={`${t('keys.revoke')} ${k.name}`}
                  onSubmit={async () => {
                    await client.send('DELETE', `/v1/api-keys/${encodeURIComponent(k.keyId)}`);
                    keys.reload();
                  }}
                />
              ),
          },
        ]}
      />
    </div>
  );
}
