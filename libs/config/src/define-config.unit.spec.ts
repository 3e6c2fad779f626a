import { IsInt, Min } from 'class-validator';
import { ConfigError } from './config-error';
import { defineConfig, isEmbeddedMode, loadAll, loadConfig } from './define-config';
import { databaseConfig, httpConfig, kafkaConfig } from './namespaces';

class Sample {
  @IsInt()
  @Min(1)
  workers!: number;
}
const sample = defineConfig('sample', Sample, { workers: { name: 'SAMPLE_WORKERS', parse: 'int' } });

describe('configuration', () => {
  it('parses typed values from the environment and applies defaults', () => {
    const http = loadConfig(httpConfig(3001), { HTTP_PORT: '8080' });
    expect(http).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(loadConfig(kafkaConfig, { KAFKA_BROKERS: 'a:1, b:2' }).brokers).toEqual(['a:1', 'b:2']);
  });

  it('names the variable that is missing', () => {
    expect(() => loadConfig(sample, {})).toThrow(/SAMPLE_WORKERS: is required/);
  });

  it('names the variable whose value does not parse or validate', () => {
    expect(() => loadConfig(sample, { SAMPLE_WORKERS: 'many' })).toThrow(/SAMPLE_WORKERS: expected int/);
    expect(() => loadConfig(sample, { SAMPLE_WORKERS: '0' })).toThrow(
      /SAMPLE_WORKERS: .*must not be less than 1/,
    );
    expect(() => loadConfig(kafkaConfig, { KAFKA_BROKERS: 'nohost' })).toThrow(/KAFKA_BROKERS/);
  });

  it('never echoes a secret value back', () => {
    let message = '';
    try {
      loadConfig(databaseConfig, { DATABASE_URL: 'mysql://user:hunter2@db' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/DATABASE_URL/);
    expect(message).not.toMatch(/hunter2/);
  });

  it('reports every problem of every namespace at once', () => {
    const err = (() => {
      try {
        loadAll([sample, httpConfig(1)], { HTTP_PORT: '99999' });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(err.code).toBe('CONFIG.INVALID');
    expect(err.problems).toHaveLength(2);
    expect(err.problems.join()).toMatch(/SAMPLE_WORKERS.*HTTP_PORT/);
  });

  describe('no silent fallbacks', () => {
    class Platform {
      url?: string;
      key?: string;
      secret?: string;
    }
    const platform = defineConfig(
      'platform',
      Platform,
      {
        url: { name: 'P_URL', requiredUnlessEmbedded: true },
        key: { name: 'P_KEY' },
        secret: { name: 'P_SECRET', secret: true },
      },
      { allOrNone: [{ label: 'platform credentials', keys: ['key', 'secret'] }] },
    );

    it('given production (no STOCKSYNC_EMBEDDED), when a server is unset, then it is required and the embedded flag is named', () => {
      expect(() => loadConfig(databaseConfig, {})).toThrow(
        /DATABASE_URL: is required \(STOCKSYNC_EMBEDDED=1/,
      );
      expect(() => loadConfig(kafkaConfig, {})).toThrow(/KAFKA_BROKERS: is required/);
      expect(() => loadConfig(platform, { STOCKSYNC_EMBEDDED: '0' })).toThrow(/P_URL: is required/);
    });

    it('given embedded mode, when the servers are unset, then the embedded stand-ins are chosen', () => {
      const env = { STOCKSYNC_EMBEDDED: '1' };
      expect(isEmbeddedMode(env)).toBe(true);
      expect(loadConfig(databaseConfig, env).url).toBeUndefined();
      expect(loadConfig(kafkaConfig, env).brokers).toEqual(['127.0.0.1:9092']);
      expect(loadConfig(platform, env).url).toBeUndefined();
      expect(isEmbeddedMode({})).toBe(false);
      expect(isEmbeddedMode({ STOCKSYNC_EMBEDDED: 'no' })).toBe(false);
    });

    it('given part of a group, when loaded, then each missing member is named and the given value is not echoed', () => {
      const err = (() => {
        try {
          loadConfig(platform, { P_URL: 'http://p', P_SECRET: 'hunter2' });
        } catch (e) {
          return e as ConfigError;
        }
        throw new Error('expected a ConfigError');
      })();
      expect(err.problems).toEqual([
        '[platform] P_KEY: is required with P_SECRET (platform credentials: set all of P_KEY, P_SECRET, or none)',
      ]);
      expect(err.message).not.toMatch(/hunter2/);
    });

    it('given a whole group or none of it, when loaded, then it is accepted', () => {
      expect(loadConfig(platform, { P_URL: 'http://p' })).toEqual({ url: 'http://p' });
      expect(loadConfig(platform, { P_URL: 'http://p', P_KEY: 'k', P_SECRET: 's' })).toMatchObject({
        key: 'k',
      });
    });

    it('given several problems in several namespaces, when loaded together, then one error names them all', () => {
      const err = (() => {
        try {
          loadAll([databaseConfig, kafkaConfig, platform], { P_KEY: 'k' });
        } catch (e) {
          return e as ConfigError;
        }
        throw new Error('expected a ConfigError');
      })();
      expect(err.problems.map((p) => p.split(':')[0])).toEqual([
        '[database] DATABASE_URL',
        '[kafka] KAFKA_BROKERS',
        '[platform] P_URL',
        '[platform] P_SECRET',
      ]);
    });
  });
});
