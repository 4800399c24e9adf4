import { defaultDataDir, readZip } from './archive.js';
import { checkImageSize, loadInkImage } from './image.js';

/**
 * One of Lake's one-shot classification runs. All 40 images show characters of one
 * evaluation alphabet, none of which is in the background sets.
 */
export interface LakeRun {
  /** The run's folder name, such as `run01`. */
  name: string;
  /** Image side length in pixels. */
  size: number;
  /** One image per character, from `training/class01.png` to `class20.png`, in that order. */
  train: Float32Array[];
  /** Images by other drawers, from `test/item01.png` to `item20.png`, in that order. */
  test: Float32Array[];
  /** For each test image, the index into `train` of the image of the same character. */
  answers: Int32Array;
}

/** Options of {@link loadLakeRuns}. */
export interface LoadLakeRunsOptions {
  /** Output side length in pixels, resized from 105 by area averaging. Default: 28. */
  size?: number;
  /** Folder that contains `all_runs.zip`. Default: the copy shipped in this package. */
  dataDir?: string;
}

const cache = new Map<string, LakeRun[]>();

function parseAnswerKey(
  text: string,
  run: string,
  trainPaths: string[],
  testPaths: string[],
): Int32Array {
  const answers = new Int32Array(testPaths.length).fill(-1);
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  for (const line of lines) {
    const fields = line.trim().split(/\s+/);
    const testIndex = testPaths.indexOf(fields[0]);
    const trainIndex = trainPaths.indexOf(fields[1] ?? '');
    if (fields.length !== 2 || testIndex < 0 || trainIndex < 0) {
      throw new Error(
        `Invalid line '${line}' in ${run}/class_labels.txt: expected '<test image> <training image>' with paths inside the run`,
      );
    }
    answers[testIndex] = trainIndex;
  }
  const missing = testPaths.filter((_, i) => answers[i] < 0);
  if (missing.length > 0) {
    throw new Error(`${run}/class_labels.txt is missing a line for ${missing.join(', ')}`);
  }
  return answers;
}

/**
 * Loads Lake's 20 one-shot classification runs from `all_runs.zip`.
 *
 * Protocol, as scored by `demo_classification.py` in Lake's omniglot repository: in each run,
 * a classifier is given the 20 training images, one per character, and for each of the 20
 * test images picks one training image. The run's error rate is the fraction of test images
 * matched to the wrong training image, and the reported error is the mean over the 20 runs
 * (400 trials).
 *
 * The result is cached per data folder and size and shared, so callers must not modify it.
 */
export function loadLakeRuns(options: LoadLakeRunsOptions = {}): LakeRun[] {
  const size = options.size ?? 28;
  checkImageSize(size, 'loadLakeRuns');
  const dataDir = options.dataDir ?? defaultDataDir();
  const cacheKey = `${dataDir}|${size}`;
  const cached = cache.get(cacheKey);
  if (cached !== undefined) return cached;

  const entries = readZip(dataDir, 'all_runs.zip');
  const runNames = [...new Set([...entries.keys()].map((path) => path.split('/')[0]))].sort();
  const runs = runNames.map((name): LakeRun => {
    const paths = [...entries.keys()].filter((path) => path.startsWith(`${name}/`)).sort();
    const trainPaths = paths.filter((path) => path.startsWith(`${name}/training/`));
    const testPaths = paths.filter((path) => path.startsWith(`${name}/test/`));
    const labels = entries.get(`${name}/class_labels.txt`);
    if (labels === undefined) {
      throw new Error(`all_runs.zip: ${name}/class_labels.txt not found`);
    }
    const load = (path: string) => loadInkImage(entries.get(path) as Uint8Array, size, path);
    return {
      name,
      size,
      train: trainPaths.map(load),
      test: testPaths.map(load),
      answers: parseAnswerKey(new TextDecoder().decode(labels), name, trainPaths, testPaths),
    };
  });
  cache.set(cacheKey, runs);
  return runs;
}
