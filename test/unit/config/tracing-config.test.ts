import { ConfigError, loadConfig } from '../../../src/config/config';

/** OTEL_* as the OpenTelemetry specification defines them: off unless an endpoint is set. */
test('off by default; the base endpoint gets /v1/traces, the traces endpoint is used as given', () => {
  expect(loadConfig({}).tracing.url).toBeUndefined();
  expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing).toEqual({ url: 'http://collector:4318/v1/traces', headers: {}, serviceName: 'lakegate' });
  expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b/otlp/traces' }).tracing.url).toBe('https://b/otlp/traces');
  expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_SDK_DISABLED: 'true' }).tracing.url).toBeUndefined();
  expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_TRACES_EXPORTER: 'none' }).tracing.url).toBeUndefined();
  const headers = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_HEADERS: 'api-key=a%3Db,x=1', OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x=2', OTEL_SERVICE_NAME: 'lg-eu' }).tracing;
  expect(headers).toMatchObject({ headers: { 'api-key': 'a=b', x: '2' }, serviceName: 'lg-eu' });
});

test('a protocol lakegate does not export, or a bad URL, stops the boot naming the variable', () => {
  for (const [name, value] of [['OTEL_EXPORTER_OTLP_PROTOCOL', 'grpc'], ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318']] as const) {
    try {
      loadConfig({ [name]: value });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems.join('\n')).toMatch(new RegExp(`^${name}: `, 'm'));
    }
  }
});
