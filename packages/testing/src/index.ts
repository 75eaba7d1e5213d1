// @alter/testing — every export is public API. Add deliberately.
export type { ApproveOptions, ApprovePage, ApproveResult } from './approve.js';
export { SandboxBrowser } from './sandbox-browser.js';
export { type EmulatedProviderId, EMULATED_PROVIDERS, type EmulatedProvider, KNOWN_SCOPES } from './emulated-providers.js';
export { SandboxError, type SandboxErrorCode } from './errors.js';
export type { CalendarEvent, CalendarEventTime, CalendarFake, NewCalendarEvent } from './fake-apis/calendar.js';
export type { GitHubComment, GitHubFake, GitHubItem, GitHubRepo } from './fake-apis/github.js';
export type { GmailFake, GmailMessage, NewGmailMessage } from './fake-apis/gmail.js';
export type { SlackChannel, SlackFake, SlackMessage } from './fake-apis/slack.js';
export { providers, type SandboxEndpoints, type SandboxProviderOptions } from './providers.js';
export { type Sandbox, type SandboxClient, type SandboxFakes, type SandboxOAuthEndpoints, startSandbox } from './sandbox.js';
export type { EchoRequestNextOptions, FailNextOptions, FailRule, FaultTarget, SandboxFaults } from './sandbox-faults.js';
export type { SandboxOptions } from './sandbox-options.js';
export type { ApiRequestStats, SandboxRevocation, SandboxStats, TokenRequestStats } from './sandbox-stats.js';
export type { ResolvedSandboxUser, SandboxUser } from './sandbox-user.js';
export { createLeakCheck, redactSecret } from './leak-check.js';
export type { LeakCheck, LeakCheckLogger, LeakFinding } from './leak-check.js';
export type { SandboxService } from './sandbox-service.js';
export type {
  FakeRequest as SandboxServiceRequest,
  FakeResponse as SandboxServiceResponse,
  FakeRoute as SandboxServiceRoute,
} from './fake-apis/fake-api.js';

// The kit for tool-pack authors (docs/tool-packs.md): the harness, the pack checks, the store contracts.
export {
  type AlterMcpClass,
  type CallResultOf,
  type McpSdk,
  type SdkClientLike,
  type SdkServerLike,
  startToolPackHarness,
  textOf,
  TOOL_PACK_POLICY,
  TOOL_PACK_USER,
  type ToolPackHarness,
  type ToolPackHarnessOptions,
} from './tool-pack/tool-pack-harness.js';
export { expectToolsMatchManifest, type ListedTool, type ManifestLike } from './tool-pack/expect-tools-match-manifest.js';
export { expectToolsDeclareEndpoints, type ToolClass } from './tool-pack/expect-tools-declare-endpoints.js';
export { type ContractCheck, grantStoreContract } from './store-contract/grant-store-contract.js';
export { grantLockContract, type LockPair } from './store-contract/grant-lock-contract.js';
