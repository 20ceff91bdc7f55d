export { FeatureExtractionError } from './errors';
export { FEATURE_VERSION, CANDIDATE_RADIUS, HASH_WINDOWS, extractFeatures, extractFeaturesAndPreview, descriptorCodes, type ExtractedImage, type ImageFeatures } from './features';
export { verifyPair, type PairVerdict } from './verifier';
export type { ScoreDetails } from './quality';
export { DEFAULT_LIMIT_INPUT_PIXELS, PREVIEW_LONG_SIDE, type RgbRaster } from './normalise';
export { popcount64 } from './codes';
