import { useId, useState, type FormEvent, type ReactNode } from 'react';
import type { ApiProblem } from '../api-client';
import { useI18n } from '../i18n/i18n';
import { asProblem } from '../use-api';

export function ProblemNote({ problem }: { problem: ApiProblem | undefined }) {
  const { t } = useI18n();
  if (!problem) return null;
  return (
    <p className="problem" role="alert" data-code={problem.code}>
      {t('common.error', { code: problem.code, message: problem.message })}
    </p>
  );
}

export function Loading({ when }: { when: boolean }) {
  const { t } = useI18n();
  return when ? <p className="muted">{t('common.loading')}</p> : null;
}

/** A labelled input: every field of the console has a visible label tied to it. */
export function Field({
  label,
  hint,
  children,
}: {
  label: string;
  hint?: string;
  children: (id: string) => ReactNode;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(id)}
      {hint ? <small className="muted">{hint}</small> : null}
    </div>
  );
}

/** A labelled whole-number field, typed as text so the API's own validation message reaches the operator. */
export function NumberField({
  label,
  hint,
  value,
  onChange,
  required,
}: {
  label: string;
  hint?: string;
  value: string;
  onChange(value: string): void;
  required?: boolean;
}) {
  return (
    <Field label={label} hint={hint}>
      {(id) => (
        <input
          id={id}
          inputMode="numeric"
          value={value}
          onChange={(e) => onChange(e.target.value)}
          required={required}
        />
      )}
    </Field>
  );
}

/**
 * A form whose submit calls the API: the button is disabled while it runs, the API's refusal is shown with its
 * code and message (its validation messages included), and success says so.
 */
export function ActionForm({
  label,
  onSubmit,
  children,
  className,
  name,
}: {
  label: string;
  onSubmit: () => Promise<string | void>;
  children?: ReactNode;
  className?: string;
  name?: string;
}) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ApiProblem>();
  const [done, setDone] = useState<string>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setProblem(undefined);
    setDone(undefined);
    try {
      const message = await onSubmit();
      setDone(message ?? t('common.saved'));
    } catch (error) {
      setProblem(asProblem(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className={className ?? 'action-form'} onSubmit={(e) => void submit(e)} aria-label={name ?? label}>
      {children}
      <button type="submit" disabled={busy}>
        {label}
      </button>
      {done ? (
        <p className="done" role="status">
          {done}
        </p>
      ) : null}
      <ProblemNote problem={problem} />
    </form>
  );
}

export function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

/** Saves a blob as a file the browser downloads. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * A number field's value for the API: '' is null (none), a number is sent as a number, and anything else is sent
 * as typed, so the API's validation message (with its code) is what the operator reads.
 */
export function fieldValue(text: string): number | string | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : trimmed;
}
