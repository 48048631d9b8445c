// Node entry of remotion-mmaudio: named re-exports only. The browser entry is `remotion-mmaudio/react`.

export type {
  DownloadedResult,
  DownloadResultOptions,
  QubicoClient,
  QubicoClientOptions,
  QubicoClientStats,
  WaitForTaskOptions,
} from './api/client.ts';
export {createQubicoClient, DEFAULT_BASE_URL} from './api/client.ts';
export {
  ApiConnectionError,
  AuthenticationError,
  BadRequestError,
  InputValidationError,
  InternalServerError,
  InvalidResponseError,
  InvalidResultError,
  MissingApiKeyError,
  PayloadTooLargeError,
  QubicoApiError,
  QuotaExceededError,
  RateLimitError,
  RequestAbortedError,
  RequestTimeoutError,
  ResultRejectedError,
  SubmitOutcomeUnknownError,
  TaskFailedError,
  TaskTimeoutError,
} from './api/errors.ts';
export type {MmaudioInput, QubicoTask, QubicoTaskResult, QubicoTaskStatus} from './api/schema.ts';
export {MMAUDIO_MODEL} from './api/schema.ts';
export type {WebhookReceiver, WebhookReceiverOptions} from './api/webhook.ts';
export {startWebhookReceiver} from './api/webhook.ts';
export type {AudioBackend, BackendName, BackendRequest, BackendResult} from './backends/backend.ts';
export type {OfflineBackendOptions} from './backends/offline.ts';
export {createOfflineBackend} from './backends/offline.ts';
export type {UploadProxy} from './backends/qubico/create-proxy-video-reader.ts';
export {SegmentGenerationError} from './backends/qubico/segment-generation-error.ts';
export type {QubicoBackendOptions} from './backends/qubico.ts';
export {createQubicoBackend} from './backends/qubico.ts';
export type {UnknownSubmitSegment} from './backends/unknown-submit-error.ts';
export {UnknownSubmitError} from './backends/unknown-submit-error.ts';
export {main} from './cli/main.ts';
export type {BillEstimate, PriceModel, ProviderFacts, ProviderName} from './contract/providers.ts';
export {billFor, maxSegmentSecondsFor, PROVIDERS, providerNames} from './contract/providers.ts';
export {CostLimitError, MMAudioError, UsageError} from './errors.ts';
export type {Logger, LogLevel} from './log.ts';
export {createLogger} from './log.ts';
export type {GenerateAudioResult, SegmentOutcome} from './pipeline/generate.ts';
export {generateAudio} from './pipeline/generate.ts';
export type {GenerateAudioOptions, GenerateProgress} from './pipeline/options.ts';
export type {PlannedSegment, PlanSegmentsOptions, SegmentPlan} from './pipeline/plan.ts';
export {formatTimecode, MAX_SEGMENT_SECONDS, PRICE_PER_SECOND_USD, planSegments} from './pipeline/plan.ts';
export type {CompositionPlan} from './pipeline/plan-composition.ts';
export {planComposition} from './pipeline/plan-composition.ts';
export type {PublishGeneratedOptions, PublishGeneratedResult} from './pipeline/publish-generated.ts';
export {renderWithAudio} from './pipeline/render/render-with-audio.ts';
export type {RenderWithAudioOptions} from './pipeline/render/render-with-audio-options.ts';
export type {RenderWithAudioResult} from './pipeline/render/render-with-audio-result.ts';
export type {MmaudioProvider, ProviderInput, ProviderTask} from './providers/provider.ts';
export {createQubicoProvider} from './providers/qubico/create-qubico-provider.ts';
export type {ProviderChoice} from './providers/select-provider.ts';
export {selectProvider} from './providers/select-provider.ts';
export {ed25519KeysOf, verifyFalWebhook} from './providers/verify-fal-webhook.ts';
export {verifyPlainSecret} from './providers/verify-plain-secret.ts';
export {signStandardWebhook, verifyStandardWebhook} from './providers/verify-standard-webhook.ts';
export type {WebhookCall, WebhookVerdict} from './providers/webhook-verdict.ts';
export type {FramePassOptions, FramePassRenderer} from './renderers/frame-pass-renderer.ts';
export {localRenderer} from './renderers/frame-pass-renderer.ts';
export type {LambdaClientFunctions} from './renderers/lambda/create-lambda-renderer.ts';
export {createLambdaRenderer, LambdaRenderError} from './renderers/lambda/create-lambda-renderer.ts';
export type {LambdaRendererOptions, NormalizedLambdaOptions} from './renderers/lambda/lambda-options.ts';
export {lambdaRenderInput, normalizeLambdaOptions} from './renderers/lambda/lambda-options.ts';
export type {
  RemoteArtifact,
  RemoteLocation,
  RemoteRenderer,
  RemoteRenderOutput,
  RemoteRenderProgress,
  RemoteRenderRequest,
} from './renderers/remote-renderer.ts';
export type {RenderWithRendererOptions, RenderWithRendererResult} from './renderers/render-with-renderer.ts';
export {renderWithRenderer} from './renderers/render-with-renderer.ts';
export type {
  RecordedRequest,
  SimulatedTask,
  Simulator,
  SimulatorFaults,
  SimulatorOptions,
} from './simulator/index.ts';
export {simulatedSignal, startSimulator} from './simulator/index.ts';
export type {PublishedAudio, PublishToS3Options, S3Publisher} from './state/publish-to-s3.ts';
export type {AudioData} from './wav/wav.ts';
export {decodeWav, encodeWav} from './wav/wav.ts';
