import { IsInt, Min } from 'class-validator';
import { ConfigError } from './config-error';
import { defineConfig, loadAll, loadConfig } from './define-config';
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
    expect(() => loadConfig(sample, { SAMPLE_WORKERS: '0' })).toThrow(/SAMPLE_WORKERS: .*must not be less than 1/);
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
});
