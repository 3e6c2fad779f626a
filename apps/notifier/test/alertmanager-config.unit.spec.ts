import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';

interface Route {
  receiver?: string;
  matchers?: string[];
  routes?: Route[];
}

const root = join(__dirname, '..', '..', '..');
const read = (path: string) => load(readFileSync(join(root, path), 'utf8')) as Record<string, unknown>;

/** deploy/alertmanager/alertmanager.yml holds together with the rules it routes and the notifier it sends to. */
describe('the Alertmanager configuration', () => {
  const config = read('deploy/alertmanager/alertmanager.yml') as {
    route: Route;
    receivers: { name: string; webhook_configs?: { url: string; send_resolved?: boolean }[] }[];
  };
  const rules = read('deploy/prometheus/alerts.yml') as { groups: { rules: { alert: string }[] }[] };
  const alertNames = rules.groups.flatMap((g) => g.rules.map((r) => r.alert));
  const routes = (r: Route): Route[] => [r, ...(r.routes ?? []).flatMap(routes)];

  it('routes only to receivers it declares', () => {
    const declared = new Set(config.receivers.map((r) => r.name));
    for (const r of routes(config.route)) if (r.receiver) expect(declared).toContain(r.receiver);
  });

  it('names only alerts that deploy/prometheus/alerts.yml defines', () => {
    const named = routes(config.route)
      .flatMap((r) => r.matchers ?? [])
      .filter((m) => m.startsWith('alertname'))
      .flatMap((m) => /"(.*)"/.exec(m)![1]!.split('|'));
    expect(named.length).toBeGreaterThan(0);
    for (const name of named) expect(alertNames).toContain(name);
  });

  it("sends resolved alerts too, to the notifier's intake", () => {
    const hooks = config.receivers.flatMap((r) => r.webhook_configs ?? []);
    expect(hooks).toEqual([
      expect.objectContaining({ url: 'http://127.0.0.1:3005/v1/alertmanager', send_resolved: true }),
    ]);
  });
});
