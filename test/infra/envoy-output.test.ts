/** A local Envoy's output lines: its own messages are warnings in Portico's log, the rest access log lines. */
import { handleEnvoyOutput } from '../../src/infra/host/envoy-output.js';
import { RecordingLogger } from '../support/recording-logger.js';

test("Envoy's own messages are warnings; JSON access lines get their Gateway; other lines are prefixed with it", () => {
  const logger = new RecordingLogger();
  const access: string[] = [];
  const handle = (line: string) => handleEnvoyOutput(line, 'default/gw', logger, (l) => access.push(l));
  handle('[2026-12-07 15:45:07.273][18703][warning][main] [source/server/server.cc:1] something');
  handle('{"method":"GET","response_code":200}');
  handle('TEXT abc 200 GET');
  handle('{not json');
  handle('');
  expect(logger.lines.map((l) => [l.level, l.msg, l.fields])).toEqual([
    [
      'warn',
      'envoy',
      { line: '[2026-12-07 15:45:07.273][18703][warning][main] [source/server/server.cc:1] something' },
    ],
  ]);
  expect(access).toEqual([
    '{"gateway":"default/gw","method":"GET","response_code":200}',
    '[default/gw] TEXT abc 200 GET',
    '[default/gw] {not json',
  ]);
});
