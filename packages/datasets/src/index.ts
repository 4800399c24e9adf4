export { defaultDataDir } from './archive.js';
export { type AffineAugmentOptions, DEFAULT_AUGMENT, distortImage } from './augment.js';
export { drawingKey, OMNIGLOT_SETS, type OmniglotSet } from './background.js';
export {
  type Episode,
  type EpisodeOptions,
  type ImageBatch,
  sampleEpisode,
} from './episode.js';
export { type GrayImage, resizeArea } from './image.js';
export {
  type LoadOmniglotImagesOptions,
  loadOmniglotImages,
  type OmniglotAlphabet,
  type OmniglotCharacter,
  type OmniglotImages,
} from './images.js';
export { type LakeRun, type LoadLakeRunsOptions, loadLakeRuns } from './lake-runs.js';
export type { RandomSource } from './random.js';
export {
  type QuarterTurn,
  type RotatedImageClass,
  rotateImage,
  withRotations,
} from './rotations.js';
export { type AlphabetSplit, type SplitByAlphabetOptions, splitByAlphabet } from './split.js';
export {
  type LoadOmniglotStrokesOptions,
  loadOmniglotStrokes,
  type OmniglotStrokeCharacter,
  type OmniglotStrokes,
  parseStrokes,
  type Stroke,
  type StrokePoint,
} from './strokes.js';
export type { ImageClass } from './types.js';
