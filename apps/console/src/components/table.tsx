import type { ReactNode } from 'react';
import { useI18n } from '../i18n/i18n';

export interface Column<T> {
  header: string;
  cell(row: T): ReactNode;
  numeric?: boolean;
}

/** A plain table of rows with headers for screen readers; "nothing here" when empty. */
export function Table<T>({
  rows,
  columns,
  rowKey,
  testId,
}: {
  rows: T[];
  columns: Column<T>[];
  rowKey(row: T): string;
  testId?: string;
}) {
  const { t } = useI18n();
  if (rows.length === 0) return <p className="muted">{t('common.none')}</p>;
  return (
    <div className="table-wrap">
      <table data-testid={testId}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.header} scope="col" className={c.numeric ? 'num' : undefined}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={rowKey(r)}>
              {columns.map((c) => (
                <td key={c.header} className={c.numeric ? 'num' : undefined}>
                  {c.cell(r)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
