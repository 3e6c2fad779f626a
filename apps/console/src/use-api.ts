import { useCallback, useEffect, useState } from 'react';
import { ApiProblem } from './api-client';
import { useSession } from './session';

export interface ApiState<T> {
  data: T | undefined;
  error: ApiProblem | undefined;
  loading: boolean;
  /** When the last answer arrived. */
  at: Date | undefined;
  reload(): void;
}

export interface ApiOptions {
  /** Poll this often while the tab is visible; undefined: load once (and on reload()). */
  pollMs?: number;
}

/**
 * One GET of the operations API as component state. Polling pauses while the tab is hidden (no load from a
 * console nobody looks at) and picks up at once when it is shown again.
 */
export function useApi<T>(path: string | null, options: ApiOptions = {}): ApiState<T> {
  const { client } = useSession();
  const [state, setState] = useState<Omit<ApiState<T>, 'reload'>>({
    data: undefined,
    error: undefined,
    loading: path !== null,
    at: undefined,
  });
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((n) => n + 1), []);

  useEffect(() => {
    if (path === null) return;
    let cancelled = false;
    // In flight for this effect only: an effect run again (a new path, a reload, or StrictMode's mount-unmount-mount
    // in development) loads at once, whatever the cancelled run still awaits.
    let inFlight = false;
    const load = async () => {
      if (inFlight) return;
      inFlight = true;
      try {
        const data = await client.get<T>(path);
        if (!cancelled) setState({ data, error: undefined, loading: false, at: new Date() });
      } catch (error) {
        if (!cancelled)
          setState((s) => ({
            ...s,
            loading: false,
            error: error instanceof ApiProblem ? error : asProblem(error),
          }));
      } finally {
        inFlight = false;
      }
    };
    setState((s) => ({ ...s, loading: true }));
    void load();
    if (!options.pollMs) return () => void (cancelled = true);
    const timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') void load();
    }, options.pollMs);
    const onVisible = () => document.visibilityState === 'visible' && void load();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      cancelled = true;
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [client, path, options.pollMs, tick]);

  return { ...state, reload };
}

export function asProblem(error: unknown): ApiProblem {
  return error instanceof ApiProblem
    ? error
    : new ApiProblem(0, 'CONSOLE.UNEXPECTED', error instanceof Error ? error.message : String(error));
}
