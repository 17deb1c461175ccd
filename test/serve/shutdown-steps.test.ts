/**
 * The serving root's stop: what was started is undone last first, a failing step does not keep
 * the others from running, and a second stop undoes nothing twice.
 */
import { ShutdownSteps } from '../../src/serve/shutdown-steps.js';
import type { LogFields, Logger } from '../../src/shared/logger.js';

function recordingLogger(errors: { msg: string; fields?: LogFields }[]): Logger {
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: (msg, fields) => void errors.push({ msg, ...(fields ? { fields } : {}) }),
    child: () => logger,
  };
  return logger;
}

describe('ShutdownSteps', () => {
  it('runs the steps last first, awaiting each', async () => {
    const done: string[] = [];
    const steps = new ShutdownSteps(recordingLogger([]));
    steps.push(() => void done.push('tls'));
    steps.push(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      done.push('xds');
    });
    steps.push(() => void done.push('debug'));
    await steps.run();
    expect(done).toEqual(['debug', 'xds', 'tls']);
  });

  it('logs a failing step and still runs the rest', async () => {
    const done: string[] = [];
    const errors: { msg: string; fields?: LogFields }[] = [];
    const steps = new ShutdownSteps(recordingLogger(errors));
    steps.push(() => void done.push('first'));
    steps.push(() => {
      throw new Error('port already closed');
    });
    steps.push(() => Promise.reject(new Error('lease gone')));
    await steps.run();
    expect(done).toEqual(['first']);
    expect(errors.map((e) => [e.msg, (e.fields?.error as Error).message])).toEqual([
      ['shutdown step failed', 'lease gone'],
      ['shutdown step failed', 'port already closed'],
    ]);
  });

  it('undoes each step once', async () => {
    let runs = 0;
    const steps = new ShutdownSteps(recordingLogger([]));
    steps.push(() => void runs++);
    await steps.run();
    await steps.run();
    expect(runs).toBe(1);
  });
});
