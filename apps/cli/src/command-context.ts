import type { GatewayClient } from './gateway.client';

/** What every command gets: the gateway, stdout for results, stderr for progress. */
export interface CommandContext {
  client: GatewayClient;
  out: NodeJS.WritableStream;
  err: NodeJS.WriteStream;
}

export const println = (stream: NodeJS.WritableStream, text = '') => stream.write(`${text}\n`);
