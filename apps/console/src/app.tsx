import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ApiClient, ApiProblem, type Me } from './api-client';
import { Field } from './components/ui';
import { useI18n } from './i18n/i18n';
import { LOCALES, type Locale, type MessageKey } from './i18n/catalogue';
import { AlertsPage } from './pages/alerts';
import { ApiKeysPage } from './pages/api-keys';
import { CatalogueSyncsPage } from './pages/catalogue-syncs';
import { ImportsPage } from './pages/imports';
import { OrdersPage } from './pages/orders';
import { OverviewPage } from './pages/overview';
import { ReconciliationPage } from './pages/reconciliation';
import { SkuPage } from './pages/sku';
import { TicketsPage } from './pages/tickets';
import type { Action } from './permissions';
import { href, useRoute } from './router';
import { SessionProvider, sessionOf, useSession, type Session } from './session';
import { asProblem } from './use-api';

/** The key lives in this tab's sessionStorage only: closing the tab signs out, and no other site can read it. */
const KEY_STORAGE = 'stocksync.console.key';

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [restoring, setRestoring] = useState(() => sessionStorage.getItem(KEY_STORAGE) !== null);

  const signOut = useCallback(() => {
    sessionStorage.removeItem(KEY_STORAGE);
    setSession(null);
  }, []);

  const signIn = useCallback(
    async (key: string) => {
      const client = new ApiClient(key);
      const me = await client.get<Me>('/v1/me');
      sessionStorage.setItem(KEY_STORAGE, key);
      setSession(sessionOf(client, me, signOut));
    },
    [signOut],
  );

  useEffect(() => {
    const stored = sessionStorage.getItem(KEY_STORAGE);
    if (!stored) return;
    signIn(stored)
      .catch(() => sessionStorage.removeItem(KEY_STORAGE))
      .finally(() => setRestoring(false));
  }, [signIn]);

  if (restoring) return null;
  if (!session) return <SignIn onSignIn={signIn} />;
  return (
    <SessionProvider session={session}>
      <Shell />
    </SessionProvider>
  );
}

function SignIn({ onSignIn }: { onSignIn(key: string): Promise<void> }) {
  const { t } = useI18n();
  const [key, setKey] = useState('');
  const [problem, setProblem] = useState<ApiProblem>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setProblem(undefined);
    try {
      await onSignIn(key.trim());
    } catch (error) {
      setProblem(asProblem(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="sign-in">
      <header className="sign-in-header">
        <strong>{t('app.title')}</strong>
        <LanguageSwitch />
      </header>
      <h1>{t('signIn.title')}</h1>
      <form onSubmit={(e) => void submit(e)} aria-label={t('signIn.title')}>
        <Field label={t('signIn.key')} hint={t('signIn.hint')}>
          {(id) => (
            <input
              id={id}
              type="password"
              autoComplete="off"
              value={key}
              onChange={(e) => setKey(e.target.value)}
              required
              maxLength={200}
            />
          )}
        </Field>
        <button type="submit" disabled={busy}>
          {t('signIn.submit')}
        </button>
        {problem ? (
          <p className="problem" role="alert" data-code={problem.code}>
            {t('signIn.failed', { message: `${problem.code}: ${problem.message}` })}
          </p>
        ) : null}
      </form>
    </main>
  );
}

function LanguageSwitch() {
  const { t, locale, setLocale } = useI18n();
  return (
    <label className="language">
      {t('app.language')}
      <select value={locale} onChange={(e) => setLocale(e.target.value as Locale)}>
        {LOCALES.map((l) => (
          <option key={l} value={l}>
            {l === 'zh-CN' ? '简体中文' : 'English'}
          </option>
        ))}
      </select>
    </label>
  );
}

interface NavItem {
  page: string;
  label: MessageKey;
  /** Shown only to roles that may do this (the API refuses the others anyway). */
  needs?: Action;
}

const NAV: NavItem[] = [
  { page: 'overview', label: 'nav.overview' },
  { page: 'imports', label: 'nav.imports', needs: 'importCardKeys' },
  { page: 'catalogue-syncs', label: 'nav.catalogueSyncs' },
  { page: 'reconciliation', label: 'nav.reconciliation' },
  { page: 'orders', label: 'nav.orders' },
  { page: 'tickets', label: 'nav.tickets' },
  { page: 'alerts', label: 'nav.alerts' },
  { page: 'api-keys', label: 'nav.apiKeys', needs: 'manageApiKeys' },
];

function Shell() {
  const { t } = useI18n();
  const session = useSession();
  const route = useRoute();
  const items = NAV.filter((n) => !n.needs || session.may(n.needs));
  return (
    <div className="shell">
      <header className="top">
        <strong className="brand">{t('app.title')}</strong>
        <nav aria-label="main">
          {items.map((n) => (
            <a key={n.page} href={href(n.page)} aria-current={route.page === n.page ? 'page' : undefined}>
              {t(n.label)}
            </a>
          ))}
        </nav>
        <div className="who">
          <span data-testid="signed-in-as" data-role={session.me.role}>
            {t('app.signedInAs', { name: session.me.name, role: t(`role.${session.me.role}` as MessageKey) })}
          </span>
          <LanguageSwitch />
          <button type="button" onClick={session.signOut}>
            {t('app.signOut')}
          </button>
        </div>
      </header>
      <main>
        <Page />
      </main>
    </div>
  );
}

function Page() {
  const route = useRoute();
  const [a, b] = route.params;
  switch (route.page) {
    case 'sku':
      return a ? <SkuPage key={a} sku={a} /> : <OverviewPage />;
    case 'imports':
      return <ImportsPage />;
    case 'catalogue-syncs':
      return <CatalogueSyncsPage key={a ?? ''} id={a} />;
    case 'reconciliation':
      return <ReconciliationPage key={a ?? ''} runId={a} />;
    case 'orders':
      return <OrdersPage key={`${a}/${b}`} channel={a} orderId={b} />;
    case 'tickets':
      return <TicketsPage key={a ?? ''} id={a} />;
    case 'alerts':
      return <AlertsPage />;
    case 'api-keys':
      return <ApiKeysPage />;
    default:
      return <OverviewPage />;
  }
}
