import { createContext, useContext, type ReactNode } from 'react';
import type { ApiClient, Me } from './api-client';
import { may, type Action } from './permissions';

export interface Session {
  client: ApiClient;
  me: Me;
  may(action: Action): boolean;
  signOut(): void;
}

const Context = createContext<Session | null>(null);

export function SessionProvider({ session, children }: { session: Session; children: ReactNode }) {
  return <Context.Provider value={session}>{children}</Context.Provider>;
}

export function useSession(): Session {
  const session = useContext(Context);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}

export function sessionOf(client: ApiClient, me: Me, signOut: () => void): Session {
  return { client, me, signOut, may: (action) => may(me.role, action) };
}
