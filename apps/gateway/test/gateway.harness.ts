import { ImmClient } from '@simclust/testing';
import type { RunningGateway } from '../src/bootstrap';

/** Starts the real gateway in-process on a free port, against the real services. */
export async function startTestGateway(env: Record<string, string> = {}): Promise<{ gateway: RunningGateway; client: ImmClient }> {
  Object.assign(process.env, env);
  const { startGateway } = await import('../src/bootstrap');
  const gateway = await startGateway(0);
  return { gateway, client: new ImmClient(gateway.url, process.env.ADMIN_API_KEY ?? null) };
}
