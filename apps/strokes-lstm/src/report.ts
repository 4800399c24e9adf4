import { dispose } from '@metagrad/core';
import type { StrokeClass } from './data.js';
import {
  type AccuracyResult,
  evaluateAdaptation,
  evaluateNearestNeighbour,
  evaluationEpisodes,
  withNewHead,
} from './evaluate.js';
import type { StrokeNetParams } from './model.js';
import { createProgress } from './progress.js';

/** The evaluation settings of a run: as `EvaluationOptions`, with a list of shot counts. */
export interface EvaluationSettings {
  episodes: number;
  ways: number;
  shots: readonly number[];
  queries: number;
  innerLr: number;
  steps: readonly number[];
  seed: number;
  dtype: 'float32' | 'float64';
}

/** The accuracies of every method on the same held-out episodes of one shot count. */
export interface EvaluationReport {
  ways: number;
  shots: number;
  episodes: number;
  maml: AccuracyResult[];
  baseline?: AccuracyResult[];
  nearestNeighbour: AccuracyResult;
}

/**
 * Evaluates the meta-learned weights, the pretrained baseline when given, and nearest
 * neighbour on the same held-out episodes, for each shot count in `settings.shots`.
 */
export function evaluateAll(
  models: { maml: StrokeNetParams; baseline?: StrokeNetParams },
  classes: readonly StrokeClass[],
  settings: EvaluationSettings,
): EvaluationReport[] {
  return settings.shots.map((shots) => {
    // Each shot count has its own seed, so adding a shot count leaves the others' episodes alone.
    const options = { ...settings, shots, seed: settings.seed + shots };
    const episodes = evaluationEpisodes(classes, options);
    const total = episodes.length * (models.baseline ? 2 : 1);
    const progress = createProgress(`evaluating ${shots}-shot`, total);
    let done = 0;
    const tick = () => {
      done += 1;
      progress.update(done, Number.NaN, Number.NaN);
    };
    const maml = evaluateAdaptation(models.maml, episodes, options, tick);
    let baseline: AccuracyResult[] | undefined;
    if (models.baseline) {
      const start = withNewHead(models.baseline, settings.ways);
      baseline = evaluateAdaptation(start, episodes, options, tick);
      dispose(start.head);
    }
    progress.stop();
    return {
      ways: settings.ways,
      shots,
      episodes: episodes.length,
      maml,
      baseline,
      nearestNeighbour: evaluateNearestNeighbour(episodes),
    };
  });
}

function percent(result: AccuracyResult): string {
  return `${(100 * result.mean).toFixed(1)} ± ${(100 * result.ci95).toFixed(1)}%`;
}

/** A plain-text table: one row per method, one column per step count. */
export function formatReport(reports: readonly EvaluationReport[]): string {
  const lines: string[] = [];
  for (const report of reports) {
    lines.push(
      `${report.ways}-way ${report.shots}-shot query accuracy on ${report.episodes} held-out episodes (mean ± 95% interval)`,
    );
    const steps = report.maml.map((r) => `${r.steps} step${r.steps === 1 ? '' : 's'}`);
    lines.push(`${'method'.padEnd(20)}${steps.map((s) => s.padEnd(18)).join('')}`);
    lines.push(`${'MAML'.padEnd(20)}${report.maml.map((r) => percent(r).padEnd(18)).join('')}`);
    if (report.baseline) {
      const row = report.baseline.map((r) => percent(r).padEnd(18)).join('');
      lines.push(`${'pretrained'.padEnd(20)}${row}`);
    }
    lines.push(`${'nearest neighbour'.padEnd(20)}${percent(report.nearestNeighbour)}`);
    lines.push('');
  }
  return lines.join('\n');
}
