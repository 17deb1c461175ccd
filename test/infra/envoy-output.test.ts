/** A local Envoy's output lines in Portico's log: its own messages as warnings, access log lines at info. */
import { logEnvoyOutput } from '../../src/infra/host/envoy-output.js';
import { RecordingLogger } from '../support/recording-logger.js';

test("Envoy's own messages are warnings; JSON access lines carry their fields; other lines are access lines as they are", () => {
  const logger = new RecordingLogger();
  logEnvoyOutput(logger, '[2026-12-07 15:45:07.273][18703][warning][main] [source/server/server.cc:1] something');
  logEnvoyOutput(logger, '{"method":"GET","response_code":200}');
  logEnvoyOutput(logger, 'TEXT abc 200 GET');
  logEnvoyOutput(logger, '{not json');
  logEnvoyOutput(logger, '');
  expect(logger.lines.map((l) => [l.level, l.msg, l.fields])).toEqual([
    [
      'warn',
      'envoy',
      { line: '[2026-12-07 15:45:07.273][18703][warning][main] [source/server/server.cc:1] something' },
    ],
    ['info', 'access', { access: { method: 'GET', response_code: 200 } }],
    ['info', 'access', { line: 'TEXT abc 200 GET' }],
    ['info', 'access', { line: '{not json' }],
  ]);
});
