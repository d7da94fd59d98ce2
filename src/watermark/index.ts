/**
 * Leak tracing: disclosure tokens, visible / screen / invisible watermarks, text fingerprints and
 * the trace tool. This file is the module's only public surface.
 */
export {
  issueToken,
  verifyToken,
  formatToken,
  deriveChannelKey,
  encodeBase32,
  decodeBase32,
  MAX_ENTRY_REF,
  TOKEN_BYTES,
  type DisclosureToken,
  type WatermarkKey,
} from './token.ts';
export { encodeReedSolomon, decodeReedSolomon } from './reed-solomon.ts';
export {
  markImage,
  decodeImage,
  markPixels,
  decodePixels,
  readImagePixels,
  MAX_IMAGE_PIXELS,
  type RawPixels,
  type MarkResult,
  type MarkImageOptions,
} from './image.ts';
export {
  type EmbedOptions,
  type PlaneDecodeResult,
  expectedPayloadBits,
} from './spread-spectrum.ts';
export { markDicom, decodeDicom, isDicom, MAX_DICOM_BYTES, type DicomMarkResult } from './dicom.ts';
export {
  createVisibleSpec,
  validateSpec,
  renderVisibleSvg,
  stampImage,
  type VisibleWatermarkSpec,
  type VisibleWatermarkInput,
  type VisibleWatermarkStyle,
} from './visible.ts';
export {
  createScreenTile,
  renderScreenOverlaySvg,
  renderScreenTileSvg,
  applyScreenWatermark,
  decodeScreenPhoto,
  decodeScreenQr,
  createScreenMarkSpec,
  renderScreenMarkTilePng,
  renderScreenMarkTileSvg,
  renderScreenMarkOverlaySvg,
  applyScreenMark,
  SCREEN_MARK_STRENGTH,
  type ScreenMarkSpec,
  type ScreenMarkOptions,
  type ScreenOverlayOptions,
  type ScreenWatermarkTile,
  type ScreenDecodeResult,
} from './screen.ts';
export {
  fingerprintText,
  decodeTextFingerprint,
  stripTextFingerprint,
  MAX_TEXT_LENGTH,
  type FingerprintOptions,
  type TextDecodeResult,
} from './text.ts';
export {
  traceLeak,
  TraceChannel,
  MAX_TRACE_BYTES,
  type TraceContext,
  type TraceFinding,
  type TraceInputKind,
  type TraceResult,
} from './trace.ts';
/** Attack suite and synthetic images: for tests, the evaluation and the benchmark only. */
export {
  attackJpeg,
  attackScale,
  attackCrop,
  attackLinear,
  attackGamma,
  attackBlur,
  attackNoise,
  attackRotate,
  attackPerspective,
  attackAliasing,
  attackPhotoOfScreen,
  type PhotoAttackOptions,
} from './attacks.ts';
export {
  renderSyntheticRadiograph,
  renderSyntheticScreen,
  renderSyntheticPhoto,
  buildSyntheticDicom,
  type SyntheticDicomOptions,
} from './synthetic.ts';
