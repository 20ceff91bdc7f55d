export {
  DEFAULT_LIMIT_INPUT_PIXELS,
  THUMBNAIL_CONTENT_TYPE,
  THUMBNAIL_LONG_SIDE,
  THUMBNAIL_QUALITY,
  ThumbnailKeyError,
  removeThumbnail,
  renderThumbnail,
  thumbnailPath,
  writeThumbnail,
  type ThumbnailOptions,
  type WrittenThumbnail,
} from './thumbnail';
