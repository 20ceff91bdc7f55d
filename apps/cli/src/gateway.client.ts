import { CliError, ExitCode, exitCodeForStatus } from './exit-codes';
import type { Connection } from './settings';

export interface ImmErrorBody {
  RequestId?: string;
  Code?: string;
  Message?: string;
}

/** A call the gateway answered with an IMM error. */
export class GatewayError extends CliError {
  constructor(
    readonly action: string,
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message, exitCodeForStatus(status));
  }
}

const REQUEST_TIMEOUT_MS = 30_000;
const MAX_THROTTLED_RETRIES = 5;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Calls the gateway's IMM endpoint (`POST /` with a JSON body) with `Authorization: Bearer <secret>`. */
export class GatewayClient {
  constructor(private readonly connection: Connection) {}

  get endpoint(): string {
    return this.connection.endpoint;
  }

  async call<T>(action: string, params: Record<string, unknown>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const res = await this.send(action, params);
      const body = await this.readJson(action, res);
      if (res.status === 200) return body as T;
      const error = body as ImmErrorBody;
      // Throttling is the gateway asking us to slow down, not a failure of the operation.
      if (res.status === 429 && attempt < MAX_THROTTLED_RETRIES) {
        const seconds = Number(res.headers.get('retry-after'));
        await sleep(Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000 * (attempt + 1));
        continue;
      }
      throw this.errorOf(action, res.status, error);
    }
  }

  private async send(action: string, params: Record<string, unknown>): Promise<Response> {
    try {
      return await fetch(`${this.connection.endpoint}/`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.connection.accessKeySecret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ Action: action, ...params }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      throw new CliError(`cannot reach the gateway at ${this.connection.endpoint} (${networkReason(err)})`, ExitCode.Unreachable);
    }
  }

  private async readJson(action: string, res: Response): Promise<unknown> {
    const text = await res.text().catch((err: unknown) => {
      throw new CliError(`the gateway at ${this.connection.endpoint} broke off its answer to ${action} (${networkReason(err)})`, ExitCode.Unreachable);
    });
    try {
      return JSON.parse(text);
    } catch {
      // Something answers on that port, but not a simclust gateway (or a proxy's error page).
      throw new CliError(`${this.connection.endpoint} did not answer ${action} like a simclust gateway (HTTP ${res.status}, not JSON)`, ExitCode.Unreachable);
    }
  }

  private errorOf(action: string, status: number, body: ImmErrorBody): GatewayError {
    const code = body.Code ?? `HTTP${status}`;
    const reason = body.Message ?? 'no message';
    if (status === 401) {
      const who = this.connection.accessKeyId ? `access key ${this.connection.accessKeyId}` : 'the access key';
      return new GatewayError(action, status, code, `the gateway refused ${who}: ${reason}`);
    }
    return new GatewayError(action, status, code, `${action} failed: ${code}: ${reason}`);
  }
}

/** A short reason for a failed fetch: the system error code (ECONNREFUSED, ENOTFOUND…), else the innermost message. */
export function networkReason(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  let reason = err instanceof Error ? err.message : String(err);
  let cause: unknown = err;
  for (let depth = 0; cause && depth < 4; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    if (cause instanceof Error && cause !== err) reason = cause.message;
    cause = (cause as { cause?: unknown }).cause;
  }
  return reason;
}
