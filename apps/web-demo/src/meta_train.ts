import { type Generator, tidy } from '@metagrad/core';
import { Adam } from '@metagrad/optim';
import { type MlpParams, metaGradient } from './model.js';
import { sampleTaskBatch } from './tasks.js';

/** The meta-training settings of apps/maml-sinusoid's default run (Finn et al. 2017). */
export const META_BATCH = 25;
export const SHOTS = 10;
export const META_LR = 1e-3;
export const INNER = { steps: 1, lr: 0.01 } as const;

/**
 * Continues meta-training the weights in the page with second-order MAML and Adam. The Adam
 * moments start at zero, because the shipped file contains the weights alone.
 */
export class MetaTrainer {
  readonly #optimizer: Adam<MlpParams>;
  readonly #generator: Generator;
  iterations = 0;

  constructor(params: MlpParams, generator: Generator) {
    this.#optimizer = new Adam(params, { lr: META_LR });
    this.#generator = generator;
  }

  /** The current weights. They are replaced, and the old ones disposed, by every `step`. */
  get params(): MlpParams {
    return this.#optimizer.params;
  }

  /** Runs one meta-iteration and returns its meta-loss (the mean query error after adaptation). */
  async step(): Promise<number> {
    const loss = tidy(() => {
      const batch = sampleTaskBatch(this.#generator, META_BATCH, SHOTS);
      const [value, grads] = metaGradient(this.#optimizer.params, batch, INNER);
      this.#optimizer.step(grads);
      return value;
    });
    const [value] = await loss.data();
    loss.dispose();
    this.iterations++;
    return value;
  }
}
