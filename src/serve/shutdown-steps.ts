import type { Logger } from '../shared/logger.js';

export type ShutdownStep = () => Promise<void> | void;

/**
 * What `startServe` has started, undone in reverse order on stop (or when a start fails half-way):
 * each part registers its own step as it starts, so a stop undoes exactly what was done.
 */
export class ShutdownSteps {
  private readonly steps: ShutdownStep[] = [];

  constructor(private readonly logger: Logger) {}

  push(step: ShutdownStep): void {
    this.steps.push(step);
  }

  /** Runs every step, last first; a step that fails is logged and the others still run. */
  async run(): Promise<void> {
    const steps = this.steps.splice(0).reverse();
    for (const step of steps) {
      try {
        await step();
      } catch (err) {
        this.logger.error('shutdown step failed', { error: err });
      }
    }
  }
}
