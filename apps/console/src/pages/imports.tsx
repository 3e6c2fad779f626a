import { toCsv } from '@libs/csv';
import { useState, type FormEvent } from 'react';
import type { ApiProblem } from '../api-client';
import { Field, ProblemNote, saveBlob, Section } from '../components/ui';
import { useI18n } from '../i18n/i18n';
import { useSession } from '../session';
import { asProblem } from '../use-api';

type Row = Record<string, unknown> & { line: number; result: string };

interface Report {
  batchId: string;
  replayed: boolean;
  /** A preview: nothing was written. */
  dryRun?: boolean;
  lines: number;
  rows: number;
  /** Card keys: every row not imported; catalogue: every row. */
  rowsReported: Row[];
  counts: Record<string, number>;
}

const enc = encodeURIComponent;

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** The mapping that reads the catalogue template (GET /v1/catalogue/imports/template). */
const TEMPLATE_MAPPING =
  'sku=sku,name=name,stockKind=kind,lowStockThreshold=lowStockThreshold,perOrderCap=perOrderCap';

/** How a file is sent: an .xlsx workbook as such (the API also tells one by its bytes), else CSV or TXT. */
function uploadFormatOf(file: File): { format: 'txt' | 'csv' | 'xlsx'; type: string } {
  if (/\.xlsx$/i.test(file.name) || file.type === XLSX_TYPE) return { format: 'xlsx', type: XLSX_TYPE };
  if (/\.csv$/i.test(file.name) || file.type === 'text/csv') return { format: 'csv', type: 'text/csv' };
  return { format: 'txt', type: 'text/plain' };
}

/** A batch id for a file: its name and the time, so a second upload of the same file is a new batch on purpose. */
function batchIdFor(file: File | undefined): string {
  const stem = (file?.name ?? 'batch')
    .replace(/\.[^.]+$/, '')
    .replace(/[^A-Za-z0-9_.:-]+/g, '-')
    .slice(0, 40);
  const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `${stem || 'batch'}-${stamp}`;
}

export function ImportsPage() {
  const { t } = useI18n();
  const session = useSession();
  const [kind, setKind] = useState<'card-keys' | 'catalogue'>('card-keys');
  if (!session.may('importCardKeys')) return <p>{t('imports.noWrite')}</p>;
  return (
    <div>
      <h1>{t('imports.title')}</h1>
      <div role="tablist" className="tabs">
        {(['card-keys', 'catalogue'] as const).map((k) => (
          <button
            key={k}
            type="button"
            role="tab"
            aria-selected={kind === k}
            className={kind === k ? 'active' : ''}
            onClick={() => setKind(k)}
          >
            {t(k === 'card-keys' ? 'imports.cardKeys' : 'imports.catalogue')}
          </button>
        ))}
      </div>
      <UploadForm key={kind} kind={kind} />
    </div>
  );
}

function UploadForm({ kind }: { kind: 'card-keys' | 'catalogue' }) {
  const { t, number } = useI18n();
  const { client } = useSession();
  const [sku, setSku] = useState('');
  const [file, setFile] = useState<File>();
  const [batchId, setBatchId] = useState('');
  const [column, setColumn] = useState('');
  const [mapping, setMapping] = useState(TEMPLATE_MAPPING);
  const [percent, setPercent] = useState<number>();
  const [problem, setProblem] = useState<ApiProblem>();
  const [report, setReport] = useState<Report>();

  const downloadTemplate = async (format: 'xlsx' | 'csv') => {
    setProblem(undefined);
    try {
      const blob = await client.download(`/v1/${kind}/imports/template?format=${format}`);
      saveBlob(blob, `${kind}-template.${format}`);
    } catch (error) {
      setProblem(asProblem(error));
    }
  };

  const submit = async (e: Pick<FormEvent, 'preventDefault'>, dryRun = false) => {
    e.preventDefault();
    if (!file) return;
    setProblem(undefined);
    setReport(undefined);
    setPercent(0);
    const batch = batchId.trim() || batchIdFor(file);
    setBatchId(batch);
    const { format, type } = uploadFormatOf(file);
    try {
      if (kind === 'card-keys') {
        const query = new URLSearchParams({ batchId: batch, format });
        if (format !== 'txt' && column.trim()) query.set('column', column.trim());
        if (dryRun) query.set('dryRun', 'true');
        const r = await client.upload<CardKeyReport>(
          `/v1/skus/${enc(sku.trim())}/card-keys/import?${query}`,
          file,
          type,
          (p) => setPercent(Math.floor((p.loaded / Math.max(1, p.total)) * 100)),
        );
        setReport({
          ...r,
          rowsReported: r.issues,
          counts: {
            imported: r.imported,
            duplicate_in_file: r.duplicateInFile,
            already_in_pool: r.alreadyInPool,
            invalid: r.invalid,
          },
        });
      } else {
        const query = new URLSearchParams({ batchId: batch, mapping });
        if (dryRun) query.set('dryRun', 'true');
        const r = await client.upload<CatalogueReport>(
          `/v1/catalogue/imports?${query}`,
          file,
          format === 'xlsx' ? XLSX_TYPE : 'text/csv',
          (p) => setPercent(Math.floor((p.loaded / Math.max(1, p.total)) * 100)),
        );
        setReport({
          ...r,
          rowsReported: r.results,
          counts: {
            registered: r.registered,
            updated: r.updated,
            unchanged: r.unchanged,
            duplicate_in_file: r.duplicateInFile,
            conflict: r.conflict,
            invalid: r.invalid,
          },
        });
      }
    } catch (error) {
      setProblem(asProblem(error));
    } finally {
      setPercent(undefined);
    }
  };

  return (
    <>
      <form className="action-form" onSubmit={(e) => void submit(e)} aria-label={t('imports.upload')}>
        {kind === 'card-keys' ? (
          <Field label={t('imports.sku')}>
            {(id) => (
              <input id={id} value={sku} onChange={(e) => setSku(e.target.value)} required maxLength={64} />
            )}
          </Field>
        ) : null}
        <Field label={kind === 'card-keys' ? t('imports.file') : t('imports.catalogueFile')}>
          {(id) => (
            <input
              id={id}
              type="file"
              accept={`.txt,.csv,.xlsx,text/plain,text/csv,${XLSX_TYPE}`}
              required
              onChange={(e) => setFile(e.target.files?.[0])}
            />
          )}
        </Field>
        <Field label={t('imports.batchId')}>
          {(id) => (
            <input id={id} value={batchId} onChange={(e) => setBatchId(e.target.value)} maxLength={128} />
          )}
        </Field>
        {kind === 'card-keys' ? (
          <Field label={t('imports.column')}>
            {(id) => (
              <input id={id} value={column} onChange={(e) => setColumn(e.target.value)} maxLength={64} />
            )}
          </Field>
        ) : (
          <Field label={t('imports.mapping')}>
            {(id) => (
              <input id={id} value={mapping} onChange={(e) => setMapping(e.target.value)} maxLength={2000} />
            )}
          </Field>
        )}
        <button type="button" disabled={percent !== undefined || !file} onClick={(e) => void submit(e, true)}>
          {t('imports.preview')}
        </button>
        <button type="submit" disabled={percent !== undefined || !file}>
          {t('imports.upload')}
        </button>
        <p className="muted" data-testid="import-templates">
          {t('imports.templates')}{' '}
          <button type="button" className="link" onClick={() => void downloadTemplate('xlsx')}>
            {t('imports.templateXlsx')}
          </button>{' '}
          <button type="button" className="link" onClick={() => void downloadTemplate('csv')}>
            {t('imports.templateCsv')}
          </button>
        </p>
        {percent !== undefined ? (
          <div className="progress" role="status">
            <progress max={100} value={percent} aria-label={t('imports.uploading', { percent })} />
            <span>{percent < 100 ? t('imports.uploading', { percent }) : t('imports.processing')}</span>
          </div>
        ) : null}
        <ProblemNote problem={problem} />
      </form>
      {report ? <ReportView report={report} number={number} /> : null}
    </>
  );
}

interface CardKeyReport {
  batchId: string;
  replayed: boolean;
  dryRun?: boolean;
  lines: number;
  rows: number;
  imported: number;
  duplicateInFile: number;
  alreadyInPool: number;
  invalid: number;
  issues: Row[];
}

interface CatalogueReport {
  batchId: string;
  replayed: boolean;
  dryRun?: boolean;
  lines: number;
  rows: number;
  registered: number;
  updated: number;
  unchanged: number;
  duplicateInFile: number;
  conflict: number;
  invalid: number;
  results: Row[];
}

const RESULT_LABELS: Record<
  string,
  'imports.imported' | 'imports.duplicateInFile' | 'imports.alreadyInPool' | 'imports.invalid'
> = {
  imported: 'imports.imported',
  duplicate_in_file: 'imports.duplicateInFile',
  already_in_pool: 'imports.alreadyInPool',
  invalid: 'imports.invalid',
};

function ReportView({ report, number }: { report: Report; number(n: number): string }) {
  const { t } = useI18n();
  const [filter, setFilter] = useState('');
  const label = (result: string) => (RESULT_LABELS[result] ? t(RESULT_LABELS[result]) : result);
  const columns = [...new Set(report.rowsReported.flatMap((r) => Object.keys(r)))];
  const rows = report.rowsReported.filter((r) => !filter || r.result === filter);
  const download = () =>
    saveBlob(
      new Blob([toCsv(columns, report.rowsReported as Record<string, unknown>[])], { type: 'text/csv' }),
      `${report.batchId}-report.csv`,
    );
  return (
    <Section title={t('imports.report')}>
      {report.dryRun ? (
        <p className="muted" role="status" data-testid="import-preview">
          {t('imports.previewNote')}
        </p>
      ) : null}
      {report.replayed ? <p className="muted">{t('imports.replayed')}</p> : null}
      <dl className="figures" data-testid="import-counts">
        <dt>{t('imports.rows')}</dt>
        <dd>{number(report.rows)}</dd>
        {Object.entries(report.counts).map(([result, count]) => (
          <div key={result} className="figure" data-result={result}>
            <dt>{label(result)}</dt>
            <dd>{number(count)}</dd>
          </div>
        ))}
      </dl>
      <div className="filters">
        <label>
          {t('imports.filter')}
          <select value={filter} onChange={(e) => setFilter(e.target.value)}>
            <option value="">{t('common.all')}</option>
            {Object.keys(report.counts).map((r) => (
              <option key={r} value={r}>
                {label(r)}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={download}>
          {t('common.downloadCsv')}
        </button>
      </div>
      <table data-testid="import-rows">
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col">
                {c === 'line'
                  ? t('imports.line')
                  : c === 'result'
                    ? t('imports.result')
                    : c === 'duplicateOfLine'
                      ? t('imports.duplicateOfLine')
                      : c === 'reason'
                        ? t('imports.reason')
                        : c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.line} data-result={r.result}>
              {columns.map((c) => (
                <td key={c}>
                  {c === 'result'
                    ? label(String(r[c]))
                    : r[c] === undefined || r[c] === null
                      ? ''
                      : String(r[c])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}
