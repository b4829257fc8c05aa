// Calls Claude through the official SDK: streaming (large max_tokens are refused without it), the SDK's own
// retries for 429/529/5xx (it honours retry-after), token usage and cost of every call (web searches included),
// the sources of a web-grounded answer as links under it, and the budget: each call reserves its worst case
// before it goes out and settles to its real cost (budget/ledger.ts).
import type Anthropic from '@anthropic-ai/sdk';
import type { Reservation } from '../budget/ledger.ts';
import type { Secret } from '../config/secret.ts';
import type { ClaudeState, TokenUsage, ToolCallRecord } from '../contract/tables.ts';
import { errorMessage } from '../util/error-message.ts';
import { costUsd } from './pricing.ts';
import { citedSources, type ServerTool, serverToolCalls, withSources } from './web-tools.ts';
import { worstCaseUsd } from './worst-case.ts';

export interface ChatTurn {
  role: 'user' | 'assistant';
  text: string;
}

export interface ClaudeReply {
  text: string;
  usage: TokenUsage;
  stopReason: string | null;
}

/** A tool as the Messages API sees it. */
export interface ToolSpec {
  name: string;
  description: string;
  input_schema: Anthropic.Tool.InputSchema;
}

export interface ClaudeCall {
  /** The stable prefix (with the tools): marked for prompt caching. */
  system: string;
  /** Per-turn system text after the cached prefix (recalled memory, the conversation summary, the time). */
  context?: string;
  messages: Anthropic.MessageParam[];
  tools?: ToolSpec[];
  /** Tools the API runs itself (web search, web fetch): only in the owner's turns. */
  serverTools?: ServerTool[];
  signal?: AbortSignal;
  /** Who waits for this call (a conversation, a job): calls in flight are shared fairly between them. */
  fairKey?: string;
  /** The answer's text so far, as it streams in (for replies shown while they are written). */
  onText?: (text: string) => void;
}

export interface ClaudeResponse extends ClaudeReply {
  content: Anthropic.ContentBlock[];
  /** The searches and fetches the API ran in this call, for the conversation record. */
  serverToolCalls: ToolCallRecord[];
}

/**
 * Claude could not be reached or refused; `retryable` when trying again later may help, `unreachable` when no
 * answer came at all (the network or Anthropic's edge is down: worth waiting for, not worth a notice).
 */
export class ClaudeError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retryable: boolean,
    readonly unreachable = false,
  ) {
    super(message);
    this.name = 'ClaudeError';
  }
}

/** What the agent reports about Claude (agent_status and /healthz), with the reason when it is not ok. */
export interface ClaudeHealth {
  state: ClaudeState;
  detail?: string;
}

export interface ClaudeClient {
  readonly model: string;
  /** Whether the last call (or check) found the key accepted and Claude reachable. */
  state?(): ClaudeHealth;
  /** Asks Claude about the configured model (free: no tokens): tells a rejected key or model before a message does. */
  check?(): Promise<ClaudeHealth>;
  /** Calls `listener` whenever state() changes (the agent's status shows a rejected key at once). */
  onStateChange?(listener: () => void): void;
  /** One Messages API call with tools; the caller runs the tool loop. */
  call(input: ClaudeCall): Promise<ClaudeResponse>;
  /** Loads the SDK in the background so the first answer does not wait for it. */
  warmUp?(): void;
  reply(input: {
    system: string;
    history: ChatTurn[];
    signal?: AbortSignal;
    fairKey?: string;
  }): Promise<ClaudeReply>;
}

type Sdk = typeof import('@anthropic-ai/sdk');
let sdk: Promise<Sdk> | undefined;
/** The SDK is loaded on first use (or by warmUp after start): an idle agent does not carry it. */
const loadSdk = () => {
  sdk ??= import('@anthropic-ai/sdk');
  return sdk;
};

/** Where calls take their share of the budget (budget/ledger.ts); throws when there is no room. */
export interface CallBudget {
  reserve(worstUsd: number, signal?: AbortSignal): Promise<Reservation>;
}

export function createClaudeClient(options: {
  apiKey: Secret;
  baseUrl?: string;
  model: string;
  maxTokens?: number;
  maxRetries?: number;
  budget?: CallBudget;
}): ClaudeClient {
  let health: ClaudeHealth = { state: 'unchecked' };
  const listeners = new Set<() => void>();
  const setHealth = (next: ClaudeHealth) => {
    if (next.state === health.state && next.detail === health.detail) return;
    health = next;
    for (const listener of listeners) listener();
  };
  let client: Promise<Anthropic> | undefined;
  const getClient = () => {
    client ??= loadSdk().then(
      ({ default: AnthropicSdk }) =>
        new AnthropicSdk({
          apiKey: options.apiKey.reveal(),
          ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
          maxRetries: options.maxRetries ?? 4,
          timeout: 120_000,
          // MONO registers no OpenTelemetry tracer: without this the SDK still builds (no-op) spans, ~0.3 ms a call.
          openTelemetry: false,
        }),
    );
    return client;
  };
  const maxTokens = options.maxTokens ?? 4096;

  async function call({
    system,
    context,
    messages,
    tools,
    serverTools,
    signal,
    onText,
  }: ClaudeCall): Promise<ClaudeResponse> {
    const toolParams = [...(tools ?? []), ...(serverTools ?? [])].map((tool, index, all) => ({
      ...tool,
      // Tools come first in the cached prefix; one marker on the system prompt covers both, and this one
      // keeps the tools cached when the system prompt is edited.
      ...(index === all.length - 1 ? { cache_control: { type: 'ephemeral' as const } } : {}),
    })) as Anthropic.ToolUnion[];
    const params = {
      model: options.model,
      max_tokens: maxTokens,
      // The system prompt is the stable prefix of every call: cache it. Per-turn context goes after it.
      system: [
        { type: 'text' as const, text: system, cache_control: { type: 'ephemeral' as const } },
        ...(context ? [{ type: 'text' as const, text: context }] : []),
      ],
      messages,
      ...(toolParams.length > 0 ? { tools: toolParams } : {}),
    };
    // Over the budget this throws BudgetExceededError, before anything is sent.
    const reservation = await options.budget?.reserve(worstCaseUsd(params), signal);
    let realUsd = 0;
    try {
      const stream = (await getClient()).messages.stream(params, signal ? { signal } : undefined);
      if (onText) {
        // All text blocks in order, as the final text joins them.
        let sofar = '';
        stream.on('text', (delta) => {
          sofar += delta;
          onText(sofar);
        });
      }
      const message = await stream.finalMessage();
      const text = message.content
        .filter((block) => block.type === 'text')
        .map((block) => block.text)
        .join('')
        .trim();
      const server = message.usage.server_tool_use;
      const counts = {
        input_tokens: message.usage.input_tokens ?? 0,
        output_tokens: message.usage.output_tokens ?? 0,
        cache_creation_input_tokens: message.usage.cache_creation_input_tokens ?? 0,
        cache_read_input_tokens: message.usage.cache_read_input_tokens ?? 0,
        ...(server?.web_search_requests ? { web_search_requests: server.web_search_requests } : {}),
        ...(server?.web_fetch_requests ? { web_fetch_requests: server.web_fetch_requests } : {}),
      };
      realUsd = costUsd(options.model, counts);
      setHealth({ state: 'ok' });
      return {
        text: withSources(text, citedSources(message.content)),
        content: message.content,
        stopReason: message.stop_reason,
        serverToolCalls: serverToolCalls(message.content),
        usage: {
          model: message.model || options.model,
          ...counts,
          cost_usd: realUsd,
        },
      };
    } catch (error) {
      const { default: AnthropicSdk } = await loadSdk();
      const failure = toClaudeError(error, AnthropicSdk);
      const next = healthOf(error, failure, AnthropicSdk);
      if (next) setHealth(next);
      throw failure;
    } finally {
      // A failed call is not billed (the SDK's retries happen inside it): it settles at 0.
      reservation?.settle(realUsd);
    }
  }

  async function check(): Promise<ClaudeHealth> {
    try {
      await (await getClient()).models.retrieve(options.model, {}, { maxRetries: 1, timeout: 15_000 });
      setHealth({ state: 'ok' });
    } catch (error) {
      const { default: AnthropicSdk } = await loadSdk();
      const failure = toClaudeError(error, AnthropicSdk);
      setHealth(
        failure.status === 404
          ? { state: 'error', detail: `Claude does not offer the model ${options.model} to this key.` }
          : (healthOf(error, failure, AnthropicSdk) ?? { state: 'error', detail: failure.message }),
      );
    }
    return health;
  }

  return {
    model: options.model,
    state: () => health,
    check,
    onStateChange: (listener) => void listeners.add(listener),
    warmUp: () => void getClient().catch(() => {}),
    call,
    async reply({ system, history, signal }) {
      const { text, usage, stopReason } = await call({
        system,
        messages: toMessages(history),
        ...(signal ? { signal } : {}),
      });
      return { text, usage, stopReason };
    },
  };
}

/** The Messages API wants alternating turns that start with the user: merge neighbours with the same role. */
export function toMessages(history: ChatTurn[]): Anthropic.MessageParam[] {
  const messages: { role: 'user' | 'assistant'; content: string }[] = [];
  for (const turn of history) {
    if (!turn.text) continue;
    const last = messages[messages.length - 1];
    if (last && last.role === turn.role) last.content += `\n\n${turn.text}`;
    else if (messages.length > 0 || turn.role === 'user')
      messages.push({ role: turn.role, content: turn.text });
  }
  return messages;
}

/** What a failed call says about Claude itself (undefined: about this request only, e.g. a 400 or a cancel). */
function healthOf(error: unknown, failure: ClaudeError, Anthropic: Sdk['default']): ClaudeHealth | undefined {
  if (failure.status === 401 || failure.status === 403) return { state: 'rejected', detail: failure.message };
  if (error instanceof Anthropic.APIConnectionError) return { state: 'unreachable', detail: failure.message };
  return undefined;
}
const GATEWAY_ERRORS = new Set([502, 503, 504]);

function toClaudeError(error: unknown, Anthropic: Sdk['default']): ClaudeError {
  if (error instanceof ClaudeError) return error;
  if (error instanceof Anthropic.APIUserAbortError)
    return new ClaudeError('The request to Claude was cancelled.', undefined, true);
  if (error instanceof Anthropic.AuthenticationError) {
    return new ClaudeError('Claude refused the API key (401): check ANTHROPIC_API_KEY.', 401, false);
  }
  if (error instanceof Anthropic.PermissionDeniedError) {
    return new ClaudeError('Claude denied access (403): check the API key and its workspace.', 403, false);
  }
  if (error instanceof Anthropic.BadRequestError) {
    return new ClaudeError(`Claude rejected the request (400): ${error.message}`, 400, false);
  }
  if (error instanceof Anthropic.APIError && error.status) {
    return new ClaudeError(
      `Claude answered ${error.status} after retries: ${error.message}`,
      error.status,
      true,
      // A gateway's answer: the way to Anthropic is broken, not the request.
      GATEWAY_ERRORS.has(error.status),
    );
  }
  if (error instanceof Anthropic.APIConnectionError) {
    return new ClaudeError(
      'Claude could not be reached (network error) after retries.',
      undefined,
      true,
      true,
    );
  }
  return new ClaudeError(`Calling Claude failed: ${errorMessage(error)}`, undefined, true);
}
