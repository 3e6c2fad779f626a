import { useEffect, useState } from 'react';

/**
 * Pages live in the URL's fragment (#/sku/ABC): the API serves one index.html under /console, and a reload or a
 * shared link opens the same page without any server-side route.
 */
export interface Route {
  page: string;
  params: string[];
  query: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const [path, search = ''] = hash.replace(/^#\/?/, '').split('?');
  const [page = 'overview', ...params] = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { page, params, query: new URLSearchParams(search) };
}

export function href(page: string, ...params: string[]): string {
  return `#/${[page, ...params].map(encodeURIComponent).join('/')}`;
}

export function useRoute(): Route {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const onChange = () => setHash(window.location.hash);
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return parseRoute(hash);
}
